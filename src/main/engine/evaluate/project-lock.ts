/**
 * Who holds a project file. One process (one thread) at a time uses a project: it writes `<project>.in-use`, a small
 * JSON note naming itself (command, process id, host, start time), and deletes it when it closes the project.
 *
 * A note whose holder is gone — killed, crashed, powered off — is stale and is taken over without help: on this
 * computer the holder is gone when its process no longer runs (or the process id now belongs to a process that
 * started later); on another computer (a shared folder) when the holder stopped refreshing the note's time, which it
 * does every 15 s while it holds the project. A live holder is waited for briefly (a workbench reading a list holds a
 * project for milliseconds) and then named in the refusal: "… is in use by camscope evaluate (process 1234 on this
 * computer, since 14:02) …".
 *
 * Because every camscope process takes this note before it opens the SQLite file, a leftover `<project>.lock` folder
 * (the SQLite build's own lock, a folder that a killed process cannot remove) is known to be stale once the note is
 * ours, and is removed.
 */
import { readFileSync, rmdirSync, statSync, unlinkSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { CamscopeError, errorMessage } from '../errors';

export interface ProjectHolder {
  /** What holds it, e.g. "camscope evaluate". */
  command: string;
  pid: number;
  /** The worker thread inside that process (0 = main thread). */
  thread: number;
  host: string;
  /** ISO time the hold began. */
  since: string;
  /** The process's start time as the OS counts it (Linux), to tell a reused process id from the holder. */
  processStart: string | null;
  /** Unique per hold, so a stale note is never confused with a fresh one at the same path. */
  token: string;
}

/** How often a holder refreshes its note's modification time, and when a note from another computer counts as stale. */
const HEARTBEAT_MS = 15_000;
const REMOTE_STALE_MS = 90_000;
/** A note that cannot be read (its writer was killed between creating and filling it) is stale after this long. */
const UNREADABLE_STALE_MS = 2_000;
/** A takeover guard folder left by a process killed while taking over a stale note. */
const BREAK_STALE_MS = 10_000;

let holderCommand = defaultCommand();

function defaultCommand(): string {
  if (process.versions.electron) return 'the camscope app';
  return 'camscope';
}

/** Names what this process is doing in the notes it writes ("camscope evaluate"); the CLI sets it per command. */
export function setProjectHolderCommand(command: string): void {
  holderCommand = command;
}

export function inUsePath(project: string): string {
  return `${project}.in-use`;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Start time of a process (Linux: field 22 of /proc/PID/stat, in clock ticks since boot); null elsewhere. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces; count fields after its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the holder named in a note still holds the project (as far as this computer can tell). */
export function holderAlive(h: ProjectHolder, noteModifiedMs: number): boolean {
  if (h.host !== hostname()) return Date.now() - noteModifiedMs < REMOTE_STALE_MS;
  if (h.pid === process.pid) {
    // This process: another thread of it holds the project (this thread's own holds never reach here).
    return h.thread !== threadId;
  }
  if (!processAlive(h.pid)) return false;
  const start = processStartTime(h.pid);
  return start === null || h.processStart === null || start === h.processStart;
}

function readNote(path: string): { holder: ProjectHolder | null; text: string; mtimeMs: number } | null {
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const h = JSON.parse(text) as ProjectHolder;
    if (typeof h.pid === 'number' && typeof h.token === 'string' && typeof h.host === 'string') return { holder: h, text, mtimeMs };
  } catch {
    // unreadable: see below
  }
  return { holder: null, text, mtimeMs };
}

function clock(iso: string): string {
  const d = new Date(iso);
  const sameDay = d.toDateString() === new Date().toDateString();
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return sameDay ? hm : `${d.toISOString().slice(0, 10)} ${hm}`;
}

/** "camscope evaluate (process 1234 on this computer, since 14:02)". */
export function describeHolder(h: ProjectHolder): string {
  const where = h.host === hostname() ? (h.pid === process.pid ? 'this process' : `process ${h.pid} on this computer`) : `process ${h.pid} on ${h.host}`;
  return `${h.command} (${where}, since ${clock(h.since)})`;
}

function fsError(project: string, e: unknown): CamscopeError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new CamscopeError('INVALID_ARGUMENT', `The folder of the project file ${project} is read-only, so camscope cannot use the project there; copy the project to a folder you can write to, or choose another project file.`, { cause: e });
  }
  if (code === 'ENOENT') {
    return new CamscopeError('INVALID_ARGUMENT', `The folder of the project file ${project} does not exist; create it or choose another project file.`, { cause: e });
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new CamscopeError('INVALID_ARGUMENT', `The disk holding the project file ${project} is full; free some space and try again.`, { cause: e });
  }
  return new CamscopeError('INVALID_ARGUMENT', `Cannot use the project file ${project} (${errorMessage(e)}); check the disk and the folder's permissions, then try again.`, { cause: e });
}

/** Removes a stale note, guarded so two processes taking over the same stale note cannot delete each other's fresh one. */
function breakStale(notePath: string, staleText: string): void {
  const guard = `${notePath}.takeover`;
  try {
    mkdirSync(guard);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Another process is taking over right now, or one was killed while doing so.
    try {
      if (Date.now() - statSync(guard).mtimeMs > BREAK_STALE_MS) rmdirSync(guard);
    } catch {
      // gone meanwhile
    }
    return;
  }
  try {
    let current: string | null = null;
    try {
      current = readFileSync(notePath, 'utf8');
    } catch {
      current = null;
    }
    if (current === staleText) unlinkSync(notePath);
  } finally {
    rmdirSync(guard);
  }
}

/** A hold on a project: this thread is its only user until release(). */
export class ProjectLock {
  private heartbeat: NodeJS.Timeout | null;
  private released = false;

  private constructor(readonly project: string, readonly holder: ProjectHolder) {
    this.heartbeat = setInterval(() => {
      try {
        const now = new Date();
        utimesSync(inUsePath(project), now, now);
      } catch {
        // The note is re-checked by whoever reads it; a missed refresh is harmless.
      }
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /**
   * Takes the project for this thread, taking over a note left by a holder that is gone. Waits up to `waitMs` for a
   * live holder to let go, then throws one sentence that names it.
   */
  static acquire(project: string, waitMs = 3000): ProjectLock {
    const notePath = inUsePath(project);
    const holder: ProjectHolder = {
      command: holderCommand,
      pid: process.pid,
      thread: threadId,
      host: hostname(),
      since: new Date().toISOString(),
      processStart: processStartTime(process.pid),
      token: randomBytes(8).toString('hex'),
    };
    const text = JSON.stringify(holder);
    const deadline = Date.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      try {
        writeFileSync(notePath, text, { flag: 'wx' });
        const lock = new ProjectLock(project, holder);
        lock.removeStaleSqliteLock();
        return lock;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fsError(project, e);
      }
      let note: ReturnType<typeof readNote>;
      try {
        note = readNote(notePath);
      } catch (e) {
        throw fsError(project, e);
      }
      if (note === null) continue; // released between our attempt and the read
      const stale = note.holder ? !holderAlive(note.holder, note.mtimeMs) : Date.now() - note.mtimeMs > UNREADABLE_STALE_MS;
      if (stale) {
        try {
          breakStale(notePath, note.text);
        } catch (e) {
          throw fsError(project, e);
        }
        if (attempt > 50) sleepSync(20);
        continue;
      }
      if (Date.now() >= deadline) {
        const who = note.holder ? describeHolder(note.holder) : 'another camscope process';
        throw new CamscopeError(
          'INVALID_ARGUMENT',
          `The project file ${project} is in use by ${who}; wait for it to finish or stop it, or use another project file.`,
        );
      }
      sleepSync(50);
    }
  }

  /**
   * The SQLite build camscope uses locks a database by creating a `<file>.lock` folder, which a killed process leaves
   * behind. Every camscope process holds the note before it opens the file, so once the note is ours such a folder is
   * a leftover.
   */
  private removeStaleSqliteLock(): void {
    try {
      rmdirSync(`${this.project}.lock`);
    } catch {
      // absent (the usual case), or not an empty folder: then SQLite reports it as locked and we say so
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    try {
      // Only our own note: never one a later holder wrote after ours was taken over.
      if (readFileSync(inUsePath(this.project), 'utf8') === JSON.stringify(this.holder)) unlinkSync(inUsePath(this.project));
    } catch {
      // already gone
    }
  }
}
