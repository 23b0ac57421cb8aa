import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, parseCsv, sampleItems } from '../../../src/main/engine/evaluate/dataset';

describe('datasets', () => {
  const root = mkdtempSync(join(tmpdir(), 'camscope-ds-'));
  for (const [dir, files] of [['dog', ['b.jpg', 'a.png']], ['cat', ['c.jpg']]] as const) {
    mkdirSync(join(root, dir), { recursive: true });
    for (const f of files) writeFileSync(join(root, dir, f), 'x');
  }
  writeFileSync(join(root, 'cat', 'notes.txt'), 'not an image');

  it('reads ImageFolder layouts, mapping folders to classes by name, else by sorted order', () => {
    const byName = loadDataset(root, ['Dog', 'Cat']);
    expect(byName.labelMapping).toBe('class-names');
    expect(byName.items.map((i) => [i.file, i.label])).toEqual([['cat/c.jpg', 1], ['dog/a.png', 0], ['dog/b.jpg', 0]]);
    const byOrder = loadDataset(root, ['class 0', 'class 1']);
    expect(byOrder.labelMapping).toBe('sorted-order');
    expect(byOrder.items.map((i) => i.label)).toEqual([0, 1, 1]);
    expect(loadDataset(root, ['a', 'b', 'c']).items.every((i) => i.label === null)).toBe(true);
  });

  it('reads a labels CSV with quoted fields', () => {
    expect(parseCsv('file,label\r\n"a, b.jpg","say ""hi"""\nc.jpg,2\n')).toEqual([['file', 'label'], ['a, b.jpg', 'say "hi"'], ['c.jpg', '2']]);
    const csv = join(root, 'labels.csv');
    writeFileSync(csv, 'file,label\ndog/a.png,dog\ncat/c.jpg,cat\n');
    const d = loadDataset(root, ['cat', 'dog'], csv);
    expect(d.layout).toBe('csv');
    expect(d.items.map((i) => [i.file, i.label])).toEqual([['dog/a.png', 1], ['cat/c.jpg', 0]]);
    writeFileSync(csv, 'path,class\n');
    expect(() => loadDataset(root, ['cat', 'dog'], csv)).toThrow(/needs a header row with "file" and "label"/);
    expect(() => loadDataset(join(root, 'missing'), ['x'])).toThrow(/Dataset folder not found/);
  });

  it('samples reproducibly from a seed, keeping dataset order', () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const a = sampleItems(items, 10, 42);
    expect(a).toEqual(sampleItems(items, 10, 42));
    expect(a).not.toEqual(sampleItems(items, 10, 43));
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(new Set(a).size).toBe(10);
    expect(sampleItems(items, null, 1)).toBe(items);
  });
});
