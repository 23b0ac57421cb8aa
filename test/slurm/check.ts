/**
 * Checks for the Slurm integration test (run-slurm-test.sh), run with `node --import tsx test/slurm/check.ts`:
 *   same MERGED_DIR SINGLE_DIR  exit 0 when the merged reports equal the unsharded run's: report.csv and figure.svg
 *                               byte for byte; report.json's table, per-image values, accuracy, failures and settings
 *                               (all but the start time). Prints each difference otherwise (exit 1).
 *   progress PROJECT            prints "<images stored> <status>" of the project's sharded evaluation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProjectDb } from '../../src/main/engine/evaluate/project-db';

function same(merged: string, single: string): number {
  const problems: string[] = [];
  for (const f of ['report.csv', 'figure.svg', 'report.json']) {
    for (const d of [merged, single]) if (!existsSync(join(d, f))) problems.push(`${join(d, f)} is missing`);
  }
  if (problems.length) {
    for (const p of problems) console.log(`DIFFERENT: ${p}`);
    return 1;
  }
  for (const f of ['report.csv', 'figure.svg']) {
    if (!readFileSync(join(merged, f)).equals(readFileSync(join(single, f)))) problems.push(`${f} differs`);
  }
  const a = JSON.parse(readFileSync(join(merged, 'report.json'), 'utf8'));
  const b = JSON.parse(readFileSync(join(single, 'report.json'), 'utf8'));
  for (const key of ['table', 'images', 'accuracy', 'failed', 'excluded', 'score']) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) problems.push(`report.json ${key} differs`);
  }
  const { created: _a, ...sa } = a.settings;
  const { created: _b, ...sb } = b.settings;
  if (JSON.stringify(sa) !== JSON.stringify(sb)) problems.push('report.json settings differ (beyond the start time)');
  if (a.images.length === 0) problems.push('the reports hold no images');
  if (problems.length) {
    for (const p of problems) console.log(`DIFFERENT: ${p}`);
    return 1;
  }
  const methods = Object.keys(a.table);
  console.log(`IDENTICAL: ${a.images.length} images, ${methods.length} methods (${methods.join(', ')}); report.csv and figure.svg byte-identical; table, per-image values and settings equal`);
  for (const m of methods) console.log(`  ${m.padEnd(11)} AD ${a.table[m].average_drop_pct} · IC ${a.table[m].increase_in_confidence_pct} · Win ${a.table[m].win_pct}`);
  return 0;
}

function progress(project: string): number {
  const db = new ProjectDb(project);
  try {
    const run = db.evaluations().find((e) => e.settings.shard);
    if (!run) {
      console.log('0 none');
      return 1;
    }
    console.log(`${db.images(run.id).length} ${run.status}`);
    return 0;
  } finally {
    db.close();
  }
}

const [command, ...args] = process.argv.slice(2);
if (command === 'same' && args.length === 2) process.exitCode = same(args[0], args[1]);
else if (command === 'progress' && args.length === 1) process.exitCode = progress(args[0]);
else {
  console.error('usage: check.ts same MERGED_DIR SINGLE_DIR | progress PROJECT');
  process.exitCode = 2;
}
