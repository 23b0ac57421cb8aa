/** writeFileAtomic: the whole content or nothing under the final name, no temporary file left behind. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../src/main/engine/io/atomic-write';

describe('writeFileAtomic', () => {
  it('replaces an existing file whole and leaves only the final name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-atomic-'));
    const file = join(dir, 'annotations.coco.json');
    writeFileSync(file, 'old');
    const big = JSON.stringify({ items: Array.from({ length: 50_000 }, (_, i) => ({ i })) });
    await writeFileAtomic(file, big);
    expect(readFileSync(file, 'utf8')).toBe(big);
    expect(readdirSync(dir)).toEqual(['annotations.coco.json']);
  });

  it('leaves the old file untouched when the write fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-atomic-'));
    const file = join(dir, 'report.json');
    writeFileSync(file, 'kept');
    // A folder in the temporary file's place makes the write fail before anything is renamed.
    mkdirSync(`${file}.${process.pid}.tmp`);
    await expect(writeFileAtomic(file, 'new')).rejects.toThrow();
    expect(readFileSync(file, 'utf8')).toBe('kept');
  });
});
