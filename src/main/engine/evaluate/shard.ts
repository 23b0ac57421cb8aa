/**
 * Sharded evaluations: one run's images split into N parts, each evaluated by its own process (one Slurm array task
 * or Kubernetes Indexed Job pod) into its own project file, then merged into the one report (see ./merge).
 *
 * Partition. The run's images are its seeded sample in dataset order — exactly the images an unsharded run with the
 * same dataset, --sample and --seed evaluates. Shard I of N takes the images at positions p of that list with
 * p mod N = I (round robin): every image is in exactly one shard, shards differ in size by at most one image, the
 * same arguments give the same parts on every run and machine, and the k-th image of shard I is image k·N + I of
 * the whole run, which is how the merge puts the records back in the unsharded run's order.
 *
 * Every shard records the full run settings plus `shard` (its index, the count and a digest of the whole sample), so
 * the merge can tell shards of one run from shards of runs that differ in anything.
 */
import { createHash } from 'node:crypto';
import { CamscopeError } from '../errors';
import type { ShardSettings } from './types';

export interface Shard {
  /** 0 ≤ index < count. */
  index: number;
  count: number;
}

/** Most shards one run may have (far beyond any array job a scheduler accepts). */
export const MAX_SHARDS = 100_000;

/** "I/N" (e.g. "0/4") as a shard; throws a one-sentence error otherwise. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new CamscopeError('INVALID_ARGUMENT', `--shard must be I/N with whole numbers, e.g. 0/4 for the first of four shards, not "${text}".`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw new CamscopeError('INVALID_ARGUMENT', `--shard ${text}: the number of shards must be from 1 to ${MAX_SHARDS}.`);
  if (index >= count) throw new CamscopeError('INVALID_ARGUMENT', `--shard ${text}: the shard index counts from 0, so it must be below ${count} (0/${count} … ${count - 1}/${count}).`);
  return { index, count };
}

export function shardLabel(s: Shard): string {
  return `${s.index}/${s.count}`;
}

/** Shard I of N of a run's images (its sample, in dataset order): positions p with p mod N = I. */
export function shardItems<T>(items: readonly T[], s: Shard): T[] {
  const out: T[] = [];
  for (let p = s.index; p < items.length; p += s.count) out.push(items[p]);
  return out;
}

/** How many of a run's `total` images shard s holds. */
export function shardSize(total: number, s: Shard): number {
  return total > s.index ? Math.ceil((total - s.index) / s.count) : 0;
}

/** The position in the whole run of the k-th image of shard s. */
export function runPosition(k: number, s: Shard): number {
  return k * s.count + s.index;
}

/**
 * The identity of a run's sample: the first 16 hex digits of sha256 over its images' dataset-relative paths and
 * label names, in order. Shards that read different datasets (files added, removed, renamed or relabelled, another
 * labels file) get different digests even where the folder and the image count are the same.
 */
export function sampleDigest(items: readonly { file: string; labelName: string | null }[]): string {
  const h = createHash('sha256');
  for (const i of items) h.update(`${i.file}\t${i.labelName ?? ''}\n`);
  return h.digest('hex').slice(0, 16);
}

/** What a shard records in its settings. */
export function shardSettings(sample: readonly { file: string; labelName: string | null }[], s: Shard): ShardSettings {
  return { index: s.index, count: s.count, images: sample.length, sample: sampleDigest(sample) };
}
