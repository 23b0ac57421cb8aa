// docs/architecture.md is the newcomer's map: its picture must be the tree of today, and every file it names must
// exist, so the page cannot drift from the code without a red test.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { architectureSvg } from '../../scripts/architecture-svg';
import { REPO_ROOT } from '../helpers/import-graph';

const doc = readFileSync(join(REPO_ROOT, 'docs/architecture.md'), 'utf8');

describe('docs/architecture.md', () => {
  it('shows the picture drawn from the current tree (npx tsx scripts/architecture-svg.ts redraws it)', () => {
    expect(doc).toContain('](architecture.svg)');
    expect(readFileSync(join(REPO_ROOT, 'docs/architecture.svg'), 'utf8')).toBe(architectureSvg());
  });

  it('names only files and folders that exist', () => {
    const named = [...new Set([...doc.matchAll(/`((?:src|test|scripts|bench|docs)\/[^`\s]*)`/g)].map((m) => m[1]))];
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter((p) => !p.includes('<') && !existsSync(join(REPO_ROOT, p)))).toEqual([]);
  });

  it('names every folder of src/main', () => {
    for (const dir of ['app', 'handlers', 'engine-host', 'workbench', 'common', 'cli', 'web-bridge', 'engine']) {
      expect(doc, dir).toContain(`src/main/${dir}/`);
    }
  });
});
