/**
 * Project files that fail safely, each with one sentence naming the file and what to do: files that are not
 * camscope projects (refused byte-for-byte untouched), damaged files and records, read-only files and folders,
 * a project held by another process (waited for briefly, then named), notes of use left by processes that are gone,
 * and a full disk (a real small tmpfs where this machine lets the tests mount one, else injected ENOSPC write
 * errors), after which nothing committed is lost.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs, { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import sqlite from 'node-sqlite3-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli/run';
import { demoModelPath } from '../../../src/main/engine/demo';
import { DAMAGED_RECORD, ProjectDb } from '../../../src/main/engine/evaluate/project-db';
import { inUsePath, processStartTime, type ProjectHolder } from '../../../src/main/engine/evaluate/project-lock';
import { runEvaluation } from '../../../src/main/engine/evaluate/run';
import { parseMethodList } from '../../../src/main/engine/methods/registry';
import { Classifier } from '../../../src/main/engine/model/classifier';
import { demoSubset } from '../../cli/demo-subset';

const ROOT = join(__dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'camscope-safety-'));
const isRoot = userInfo().uid === 0;

function capture() {
  const err: string[] = [];
  return { io: { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s) } }, err: () => err.join('') };
}

function fingerprint(path: string): { sha: string; mtimeMs: number; size: number } {
  const s = statSync(path);
  return { sha: createHash('sha256').update(readFileSync(path)).digest('hex'), mtimeMs: s.mtimeMs, size: s.size };
}

function sideFiles(path: string): string[] {
  return ['.in-use', '.lock', '-wal', '-journal', '.space-check'].filter((s) => existsSync(`${path}${s}`));
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Makes a file or folder read-only even for root (immutable attribute) where possible, else by permissions. */
function makeReadOnly(path: string): { how: string; undo: () => void } {
  if (isRoot) {
    try {
      execFileSync('chattr', ['+i', path], { stdio: 'ignore' });
      return { how: 'immutable attribute', undo: () => execFileSync('chattr', ['-i', path]) };
    } catch {
      // fall through: permissions (which root ignores; the test then says so by failing its precondition)
    }
  }
  const mode = statSync(path).mode;
  chmodSync(path, statSync(path).isDirectory() ? 0o555 : 0o444);
  return { how: 'permissions', undo: () => chmodSync(path, mode) };
}

describe('files that are not camscope projects', () => {
  it('refuses a foreign SQLite database untouched, in one sentence (API and CLI)', async () => {
    const path = join(dir, 'other-app.db');
    const other = new sqlite.Database(path);
    other.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Ada')");
    other.close();
    const before = fingerprint(path);
    expect(() => new ProjectDb(path)).toThrow(
      new RegExp(`^The file ${escape(path)} is not a camscope project \\(it is the database of another program, with tables customers\\); it was left untouched — choose a new file name or another project file\\.$`),
    );
    const c = capture();
    const code = await runCli(['evaluate', '--model', demoModelPath(), '--dataset', demoSubset(join(dir, 'foreign-cli'), 2).dataset, '--project', path, '--out', join(dir, 'foreign-out'), '--methods', 'gradcam', '--figure', '0'], c.io);
    expect(code).toBe(2);
    expect(c.err().trim().split('\n').at(-1)).toMatch(new RegExp(`^camscope: error: The file ${escape(path)} is not a camscope project`));
    expect(fingerprint(path)).toEqual(before);
    expect(sideFiles(path)).toEqual([]);
  }, 30_000);

  it('refuses a database whose tables only share camscope names ("no such column: key" before)', () => {
    const path = join(dir, 'lookalike.db');
    const other = new sqlite.Database(path);
    other.exec('CREATE TABLE evaluations (id INTEGER PRIMARY KEY, score REAL)');
    other.close();
    const before = fingerprint(path);
    expect(() => new ProjectDb(path)).toThrow(`The file ${path} is not a camscope project (its table evaluations has no column key); it was left untouched`);
    expect(fingerprint(path)).toEqual(before);
    expect(sideFiles(path)).toEqual([]);
  });

  it('refuses a file that is not a database, and a folder', () => {
    const path = join(dir, 'notes.camscope');
    writeFileSync(path, 'these are my notes, not a project\n');
    const before = fingerprint(path);
    expect(() => new ProjectDb(path)).toThrow(`The file ${path} is not a camscope project (it is not a database); it was left untouched`);
    expect(fingerprint(path)).toEqual(before);
    expect(sideFiles(path)).toEqual([]);
    mkdirSync(join(dir, 'folder.camscope'));
    expect(() => new ProjectDb(join(dir, 'folder.camscope'))).toThrow(`${join(dir, 'folder.camscope')} is a folder, not a camscope project file; choose a file.`);
  });

  it('calls a file with a database header but damaged pages damaged, and leaves no lock behind', () => {
    const path = join(dir, 'damaged.camscope');
    const bytes = Buffer.alloc(8192, 0xab);
    bytes.write('SQLite format 3\0', 0, 'latin1');
    writeFileSync(path, bytes);
    expect(() => new ProjectDb(path)).toThrow(new RegExp(`^The project file ${escape(path)} is damaged \\(.+\\); restore it from a backup or choose another project file\\.$`));
    expect(sideFiles(path)).toEqual([]);
  });

  it('names a project written by a newer camscope', () => {
    const path = join(dir, 'future.camscope');
    new ProjectDb(path).close();
    const raw = new sqlite.Database(path);
    raw.exec('PRAGMA locking_mode = EXCLUSIVE');
    raw.run("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    raw.close();
    expect(() => new ProjectDb(path)).toThrow(`The project file ${path} was written by a newer camscope (schema 99); open it with that version or choose another project file.`);
  });
});

describe('read-only projects', () => {
  it(`refuses a read-only project file in one sentence (${isRoot ? 'root: made immutable with chattr +i' : 'chmod 444'})`, () => {
    const path = join(dir, 'readonly.camscope');
    new ProjectDb(path).close();
    const before = fingerprint(path);
    const ro = makeReadOnly(path);
    try {
      expect(() => fs.openSync(path, 'r+'), `the file is really read-only (${ro.how})`).toThrow();
      expect(() => new ProjectDb(path)).toThrow(`The project file ${path} is read-only; make it writable or choose another project file.`);
    } finally {
      ro.undo();
    }
    expect(fingerprint(path)).toEqual(before);
    expect(sideFiles(path)).toEqual([]);
  });

  it(`refuses a project in a read-only folder in one sentence (${isRoot ? 'root: folder made immutable' : 'chmod 555'})`, () => {
    const folder = join(dir, 'ro-folder');
    mkdirSync(folder);
    const path = join(folder, 'p.camscope');
    new ProjectDb(path).close();
    const ro = makeReadOnly(folder);
    try {
      expect(() => writeFileSync(join(folder, 'probe'), 'x'), `the folder is really read-only (${ro.how})`).toThrow();
      expect(() => new ProjectDb(path)).toThrow(`The folder of the project file ${path} is read-only, so camscope cannot use the project there; copy the project to a folder you can write to, or choose another project file.`);
    } finally {
      ro.undo();
    }
    expect(readdirSync(folder)).toEqual(['p.camscope']);
  });
});

describe('a project held by another process', () => {
  /** A real second process that holds the project for holdMs, then closes it. */
  function holder(path: string, holdMs: number): Promise<{ pid: number; done: Promise<number | null> }> {
    const script = join(dir, `hold-${Date.now()}.ts`);
    writeFileSync(script, `
      import { ProjectDb } from ${JSON.stringify(join(ROOT, 'src/main/engine/evaluate/project-db.ts'))};
      import { setProjectHolderCommand } from ${JSON.stringify(join(ROOT, 'src/main/engine/evaluate/project-lock.ts'))};
      setProjectHolderCommand('camscope test holder');
      const db = new ProjectDb(${JSON.stringify(path)});
      process.stdout.write('held\\n');
      setTimeout(() => { db.close(); process.exit(0); }, ${holdMs});
    `);
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const done = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    return new Promise((resolve) => child.stdout.on('data', () => resolve({ pid: child.pid!, done })));
  }

  it('waits for a brief holder, and names a long one: command, process and time', async () => {
    const path = join(dir, 'held.camscope');
    new ProjectDb(path).close();

    const brief = await holder(path, 800);
    const t0 = Date.now();
    const db = new ProjectDb(path, { waitMs: 5000 });
    expect(Date.now() - t0).toBeGreaterThan(300);
    db.close();
    expect(await brief.done).toBe(0);

    const long = await holder(path, 4000);
    expect(() => new ProjectDb(path, { waitMs: 200 })).toThrow(
      new RegExp(`^The project file ${escape(path)} is in use by camscope test holder \\(process ${long.pid} on this computer, since \\d\\d:\\d\\d\\); wait for it to finish or stop it, or use another project file\\.$`),
    );
    expect(await long.done).toBe(0);
    expect(sideFiles(path)).toEqual([]);
  }, 30_000);

  it('takes over notes whose holder is gone: a dead process, a reused process id, a silent other computer, an empty note', () => {
    const path = join(dir, 'stale.camscope');
    new ProjectDb(path).close();
    const note = (h: Partial<ProjectHolder>): ProjectHolder => ({
      command: 'camscope evaluate', pid: 1, thread: 0, host: hostname(), since: new Date().toISOString(), processStart: null, token: 'x', ...h,
    });
    const takenOver = (): void => {
      mkdirSync(`${path}.lock`); // SQLite's lock folder, as a killed holder leaves it
      const db = new ProjectDb(path, { waitMs: 0 });
      expect(db.evaluations()).toEqual([]);
      db.close();
      expect(sideFiles(path)).toEqual([]);
    };
    // A process that has exited (and been reaped).
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(inUsePath(path), JSON.stringify(note({ pid: deadPid })));
    takenOver();
    // A live process whose start time differs from the holder's: the id was reused.
    writeFileSync(inUsePath(path), JSON.stringify(note({ pid: process.ppid, processStart: processStartTime(process.ppid) === null ? null : '1' })));
    if (processStartTime(process.ppid) !== null) takenOver();
    else unlinkSync(inUsePath(path));
    // Another computer that stopped refreshing its note 2 minutes ago; one that refreshes it is named.
    writeFileSync(inUsePath(path), JSON.stringify(note({ host: 'lab-pc-7', pid: 4242 })));
    expect(() => new ProjectDb(path, { waitMs: 0 })).toThrow(/is in use by camscope evaluate \(process 4242 on lab-pc-7, since \d\d:\d\d\)/);
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(inUsePath(path), old, old);
    takenOver();
    // An empty note (its writer was killed between creating and filling it), once it is 2 s old.
    writeFileSync(inUsePath(path), '');
    fs.utimesSync(inUsePath(path), old, old);
    takenOver();
  });
});

describe('damaged records', () => {
  it('reads a record that is not JSON as a failed image and computes it again on resume', async () => {
    const sub = join(dir, 'records');
    const { dataset, labels, files } = demoSubset(sub, 6);
    const project = join(sub, 'p.camscope');
    const classifier = await Classifier.load(demoModelPath());
    try {
      const evaluate = () => runEvaluation({ classifier, methods: parseMethodList('gradcam'), datasetRoot: dataset, labelsCsv: labels, curveSteps: 0, batchSize: 4, projectPath: project });
      const first = await evaluate();
      const raw = new sqlite.Database(project);
      raw.exec('PRAGMA locking_mode = EXCLUSIVE');
      raw.run('UPDATE eval_images SET record = ? WHERE file = ?', ['{"methods": {"gradcam": ', files[2]]);
      raw.close();
      const db = new ProjectDb(project);
      const row = db.images(first.evalId).find((r) => r.file === files[2])!;
      expect(row).toMatchObject({ record: null, error: DAMAGED_RECORD });
      db.close();
      const again = await evaluate();
      expect(again.changes.retried).toEqual([files[2]]);
      expect(again.resumed).toBe(5);
      expect(again.table).toEqual(first.table);
      expect(again.records).toEqual(first.records.map((r) => ({ ...r, methods: Object.fromEntries(Object.entries(r.methods).map(([k, m]) => [k, { ...m, timeMs: again.records.find((x) => x.file === r.file)!.methods[k].timeMs }])) })));
    } finally {
      await classifier.release();
    }
  }, 60_000);
});

/** Whether this machine lets the tests mount a tmpfs (CI runs as root; containers may forbid mounting). Probed, then unmounted. */
function canMountTmpfs(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'camscope-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

// CAMSCOPE_TEST_NO_MOUNT=1 runs the injected-error variant on a machine that could mount.
const mounted = !process.env.CAMSCOPE_TEST_NO_MOUNT && canMountTmpfs();
const tmpfsDir = join(dir, 'small-disk');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a full disk', () => {
  it(
    mounted
      ? 'says the disk is full in one sentence and loses nothing committed (a real 1 MiB tmpfs)'
      : 'says the disk is full in one sentence and loses nothing committed (injected ENOSPC write errors: no tmpfs could be mounted here)',
    async () => {
      const { dataset, labels } = demoSubset(join(dir, 'full-data'), 60);
      mkdirSync(tmpfsDir);
      if (mounted) execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', tmpfsDir]);
      const project = join(tmpfsDir, 'p.camscope');
      const reference = join(dir, 'full-reference.camscope');
      const classifier = await Classifier.load(demoModelPath());
      const realWriteSync = fs.writeSync;
      let committed = 0;
      try {
        const evaluate = (projectPath: string, onDone?: (done: number) => void) =>
          runEvaluation({
            classifier, methods: parseMethodList('gradcam'), datasetRoot: dataset, labelsCsv: labels, curveSteps: 0, batchSize: 4, projectPath,
            onProgress: (p) => {
              if (p.file !== null) committed = p.done;
              onDone?.(p.done);
            },
          });
        const whole = await evaluate(reference);

        let filler: string | null = null;
        if (mounted) {
          // Leave room for the project and a few dozen records, not for all 60.
          new ProjectDb(project).close();
          const free = (() => {
            const s = fs.statfsSync(tmpfsDir);
            return s.bavail * s.bsize;
          })();
          filler = join(tmpfsDir, 'filler');
          writeFileSync(filler, Buffer.alloc(free - 160 * 1024));
        }
        const inject = (done: number): void => {
          if (mounted || done !== 25) return;
          (fs as { writeSync: unknown }).writeSync = (fd: number, ...rest: unknown[]) => {
            if (fd > 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
            return (realWriteSync as (...a: unknown[]) => number)(fd, ...rest);
          };
        };
        committed = 0;
        const failure = await evaluate(project, inject).then(() => null, (e: Error) => e);
        fs.writeSync = realWriteSync;
        expect(failure, 'the disk filled before the run ended').not.toBeNull();
        expect(failure!.message).toBe(`The disk holding the project file ${project} is full; free some space and run again — everything finished so far is kept.`);
        expect(committed).toBeGreaterThan(0);
        expect(committed).toBeLessThan(60);

        const kept = committed;
        if (filler) unlinkSync(filler);
        const db = new ProjectDb(project);
        const [run] = db.evaluations();
        expect(db.images(run.id).filter((r) => r.record !== null)).toHaveLength(kept);
        db.close();
        const resumed = await evaluate(project);
        expect(resumed.resumed).toBe(kept);
        expect(resumed.table).toEqual(whole.table);
        expect(resumed.records.map((r) => r.file)).toEqual(whole.records.map((r) => r.file));
      } finally {
        fs.writeSync = realWriteSync;
        await classifier.release();
        if (mounted) execFileSync('umount', [tmpfsDir]);
      }
    },
    120_000,
  );
});
