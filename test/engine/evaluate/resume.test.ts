/**
 * A run killed mid-way (SIGKILL, no chance to clean up) resumes from the project database without redoing finished
 * images and ends with exactly the numbers of an uninterrupted run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli/run';
import { demoImagesDir, demoModelPath } from '../../../src/main/engine/demo';
import { ProjectDb } from '../../../src/main/engine/evaluate/project-db';

const ROOT = join(__dirname, '..', '..', '..');

function capture() {
  const err: string[] = [];
  const out: string[] = [];
  return { io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } }, err: () => err.join(''), out: () => out.join('') };
}

const args = (out: string, project: string) => [
  'evaluate', '--model', demoModelPath(), '--dataset', demoImagesDir(), '--labels', join(demoImagesDir(), 'labels.csv'),
  '--methods', 'gradcam,scorecam++', '--steps', '4', '--figure', '2', '--project', project, '--out', out, '--batch', '4',
];

function killAfter(cliArgs: string[], line: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main/cli/main.ts'), ...cliArgs], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (line.test(err)) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`run ended before it was killed (code ${code}): ${err}`))));
  });
}

describe('kill and resume', () => {
  it('resumes without repeating finished images and ends identical', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-resume-'));
    const whole = capture();
    expect(await runCli(args(join(dir, 'whole'), join(dir, 'whole.camscope')), whole.io)).toBe(0);

    const project = join(dir, 'killed.camscope');
    await killAfter(args(join(dir, 'killed'), project), /evaluated 30\/100/);
    const db = new ProjectDb(project);
    const [run] = db.evaluations();
    const finished = db.images(run.id).length;
    db.close();
    expect(run.status).toBe('running');
    expect(finished).toBeGreaterThanOrEqual(30);
    expect(finished).toBeLessThan(100);

    const resumed = capture();
    expect(await runCli(args(join(dir, 'killed'), project), resumed.io)).toBe(0);
    expect(resumed.err()).toContain(`resuming, ${finished} already done`);

    const db2 = new ProjectDb(project);
    const rows = db2.images(db2.evaluations()[0].id);
    expect(db2.evaluations()[0].status).toBe('complete');
    db2.close();
    expect(rows).toHaveLength(100);
    expect(new Set(rows.map((r) => r.file)).size).toBe(100);

    const a = JSON.parse(readFileSync(join(dir, 'whole', 'report.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(dir, 'killed', 'report.json'), 'utf8'));
    expect(b.table).toEqual(a.table);
    const strip = (images: { methods: Record<string, { timeMs?: number }> }[]) => images.map((i) => ({ ...i, methods: Object.fromEntries(Object.entries(i.methods).map(([k, v]) => [k, { ...v, timeMs: 0 }])) }));
    expect(strip(b.images)).toEqual(strip(a.images));
  });

  it('keeps fp16 runs apart from fp32 runs in one project (their scores differ by rounding)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-precision-'));
    const project = join(dir, 'p.camscope');
    const run = async (precision: string): Promise<string> => {
      const c = capture();
      expect(await runCli([...args(join(dir, precision), project), '--sample', '4', '--steps', '0', '--figure', '0', '--precision', precision], c.io)).toBe(0);
      return c.err();
    };
    expect(await run('fp32')).not.toContain('resuming');
    expect(await run('fp16')).not.toContain('resuming');
    expect(await run('fp32')).toContain('resuming, 4 already done');
    const db = new ProjectDb(project);
    expect(db.evaluations()).toHaveLength(2);
    db.close();
    const report = JSON.parse(readFileSync(join(dir, 'fp16', 'report.json'), 'utf8'));
    expect(report.settings.precision).toBe('fp16');
  });
});
