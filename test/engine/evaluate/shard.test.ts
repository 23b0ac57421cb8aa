/** Partitioning a run's images into shards (evaluate --shard I/N): coverage, balance, stability, run order. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadDataset, sampleItems } from '../../../src/main/engine/evaluate/dataset';
import { parseShard, runPosition, sampleDigest, shardItems, shardSettings, shardSize } from '../../../src/main/engine/evaluate/shard';
import { demoImagesDir } from '../../../src/main/engine/demo';
import { join } from 'node:path';

const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

describe('shard partition', () => {
  it('puts every image in exactly one shard, sizes within one of each other, for every N', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 64 }), (n, count) => {
        const items = Array.from({ length: n }, (_, i) => `img-${i}`);
        const seen = new Map<string, number>();
        const sizes: number[] = [];
        for (let index = 0; index < count; index++) {
          const part = shardItems(items, { index, count });
          expect(part.length).toBe(shardSize(n, { index, count }));
          sizes.push(part.length);
          part.forEach((item, k) => {
            expect(seen.has(item)).toBe(false);
            seen.set(item, index);
            // The k-th image of shard I is image k·N + I of the run: how the merge restores the run's order.
            expect(items[runPosition(k, { index, count })]).toBe(item);
          });
        }
        expect(seen.size).toBe(n);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  it('is the same on every run: the demo dataset sampled and sharded twice gives the same parts, and their union is the unsharded sample', () => {
    const root = demoImagesDir();
    const labels = join(root, 'labels.csv');
    const run = (count: number) => {
      const sample = sampleItems(loadDataset(root, CLASSES, labels).items, 60, 0);
      return { sample, parts: Array.from({ length: count }, (_, index) => shardItems(sample, { index, count }).map((i) => i.file)) };
    };
    for (const count of [1, 2, 3, 7, 60, 61]) {
      const a = run(count);
      const b = run(count);
      expect(b.parts).toEqual(a.parts);
      expect(a.parts.flat().sort()).toEqual(a.sample.map((i) => i.file).sort());
      // Positions p ≡ I (mod N) of the sample, in its (dataset) order.
      expect(a.parts[0]).toEqual(a.sample.filter((_, p) => p % count === 0).map((i) => i.file));
    }
    // A fixed expectation, so a change of the partition rule (which would break merging old shards) is noticed.
    expect(run(3).parts.map((p) => p.length)).toEqual([20, 20, 20]);
    expect(run(3).parts[1][0]).toBe(run(3).sample[1].file);
  });

  it('records the whole sample in every shard, with a digest that changes with the dataset', () => {
    const items = [{ file: 'a.png', labelName: 'cat' }, { file: 'b.png', labelName: 'dog' }];
    const s = shardSettings(items, { index: 1, count: 2 });
    expect(s).toEqual({ index: 1, count: 2, images: 2, sample: sampleDigest(items) });
    expect(sampleDigest(items)).toMatch(/^[0-9a-f]{16}$/);
    expect(sampleDigest([items[0], { file: 'c.png', labelName: 'dog' }])).not.toBe(s.sample);
    expect(sampleDigest([items[0], { file: 'b.png', labelName: 'cat' }])).not.toBe(s.sample);
    expect(sampleDigest([items[1], items[0]])).not.toBe(s.sample);
  });
});

describe('--shard I/N', () => {
  it('parses I/N with 0 ≤ I < N', () => {
    expect(parseShard('0/4')).toEqual({ index: 0, count: 4 });
    expect(parseShard(' 3 / 4 ')).toEqual({ index: 3, count: 4 });
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 });
  });

  it('refuses anything else in one sentence', () => {
    expect(() => parseShard('4/4')).toThrow(/index counts from 0, so it must be below 4/);
    expect(() => parseShard('1/0')).toThrow(/number of shards must be from 1/);
    expect(() => parseShard('1')).toThrow(/--shard must be I\/N/);
    expect(() => parseShard('-1/3')).toThrow(/--shard must be I\/N/);
    expect(() => parseShard('a/b')).toThrow(/--shard must be I\/N/);
  });
});
