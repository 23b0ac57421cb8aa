/**
 * Projects that never stay locked, tested with real processes: `camscope evaluate` is SIGKILLed at random moments
 * while it holds its project (from the moment its note of use appears), over and over; every rerun must open the
 * project without help and the final report must equal an uninterrupted run's. Two evaluations started on one
 * project: the second is refused with one sentence naming the first, and the first is not disturbed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoModelPath } from '../../src/main/engine/demo';
import { ProjectDb } from '../../src/main/engine/evaluate/project-db';
import { demoSubset } from './demo-subset';

const ROOT = join(__dirname, '..', '..');

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main/cli/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function finish(child: ChildProcess): Promise<Outcome> {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 2));
  }
  return false;
}

const strip = (images: { methods: Record<string, { timeMs?: number }> }[]) =>
  images.map((i) => ({ ...i, methods: Object.fromEntries(Object.entries(i.methods).map(([k, v]) => [k, { ...v, timeMs: 0 }])) }));

function report(out: string): { table: unknown; images: { methods: Record<string, { timeMs?: number }> }[]; accuracy: unknown; failed: unknown } {
  return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
}

describe('a project killed at random moments', () => {
  it('opens on every rerun after ≥ 20 SIGKILLs across the time a process holds it, and ends equal to an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-kill-'));
    const { dataset, labels } = demoSubset(dir, 24);
    const args = (out: string, project: string) => [
      'evaluate', '--model', demoModelPath(), '--dataset', dataset, '--labels', labels, '--methods', 'gradcam,layercam',
      '--steps', '2', '--figure', '0', '--batch', '4', '--project', project, '--out', out,
    ];

    // The uninterrupted run, timed from the moment it holds the project to the moment it lets go.
    const refProject = join(dir, 'ref.camscope');
    const ref = cli(args(join(dir, 'ref'), refProject));
    const refDone = finish(ref);
    expect(await until(() => existsSync(`${refProject}.in-use`), 60_000)).toBe(true);
    const held = performance.now();
    expect(await until(() => !existsSync(`${refProject}.in-use`), 60_000)).toBe(true);
    const windowMs = performance.now() - held;
    const refOutcome = await refDone;
    expect(refOutcome.code, refOutcome.stderr).toBe(0);

    const project = join(dir, 'killed.camscope');
    let kills = 0;
    let leftStale = 0;
    let sessions = 0;
    while (kills < 22) {
      sessions++;
      const child = cli(args(join(dir, 'killed'), project));
      const done = finish(child);
      // Kill at a random moment of the hold: while opening, reconciling, committing a record, finishing, closing.
      const holding = await until(() => existsSync(`${project}.in-use`), 60_000);
      if (holding) {
        await new Promise((r) => setTimeout(r, Math.random() * windowMs));
        child.kill('SIGKILL');
      }
      const outcome = await done;
      if (outcome.signal === 'SIGKILL') {
        kills++;
        if (existsSync(`${project}.in-use`)) leftStale++;
      } else {
        // Not killed in time: it must have finished normally, never failed to open the project.
        expect(outcome.code, outcome.stderr).toBe(0);
      }
      expect(sessions).toBeLessThan(60);
    }
    // The kills landed while the project was held: most left the note (and SQLite's lock folder) behind.
    expect(leftStale).toBeGreaterThanOrEqual(10);

    const last = await finish(cli(args(join(dir, 'killed'), project)));
    expect(last.code, last.stderr).toBe(0);
    expect(last.stderr).not.toMatch(/locked|constraint|Error:/i);
    for (const leftover of ['.in-use', '.lock', '-wal', '-journal']) expect(existsSync(`${project}${leftover}`), leftover).toBe(false);

    const a = report(join(dir, 'ref'));
    const b = report(join(dir, 'killed'));
    expect(b.table).toEqual(a.table);
    expect(b.accuracy).toEqual(a.accuracy);
    expect(b.failed).toEqual(a.failed);
    expect(strip(b.images)).toEqual(strip(a.images));
    const db = new ProjectDb(project);
    const runs = db.evaluations();
    expect(runs).toHaveLength(1);
    expect(runs[0].status).toBe('complete');
    expect(db.images(runs[0].id)).toHaveLength(24);
    db.close();
  }, 300_000);
});

describe('two evaluations on one project at once', () => {
  it('refuses the second with one sentence naming the first, which finishes undisturbed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-concurrent-'));
    const { dataset, labels } = demoSubset(dir, 100);
    const project = join(dir, 'shared.camscope');
    const args = (out: string) => [
      // Long enough (all six methods, 10-step curves) that the first still holds the project when the second has
      // started and waited its 3 s.
      'evaluate', '--model', demoModelPath(), '--dataset', dataset, '--labels', labels, '--steps', '10', '--figure', '0',
      '--batch', '8', '--project', project, '--out', join(dir, out),
    ];
    const first = cli(args('first'));
    const firstDone = finish(first);
    expect(await until(() => existsSync(`${project}.in-use`), 60_000)).toBe(true);
    const second = await finish(cli(args('second')));
    const firstOutcome = await firstDone;

    expect(second.code).toBe(2);
    const lines = second.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      new RegExp(`^camscope: error: The project file ${project.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by camscope evaluate \\(process ${first.pid} on this computer, since \\d\\d:\\d\\d\\); wait for it to finish or stop it, or use another project file\\.$`),
    );
    expect(second.stderr).not.toMatch(/constraint|locked|at .*\.ts:\d+/);
    expect(existsSync(join(dir, 'second', 'report.json'))).toBe(false);

    expect(firstOutcome.code, firstOutcome.stderr).toBe(0);
    expect(firstOutcome.stderr).not.toContain('resuming');
    const db = new ProjectDb(project);
    const runs = db.evaluations();
    expect(runs).toHaveLength(1);
    expect(runs[0].status).toBe('complete');
    expect(db.images(runs[0].id)).toHaveLength(100);
    db.close();
  }, 120_000);
});
