/**
 * The error log: stack traces and technical detail of unexpected failures go to a file under the user-data folder
 * (Help → Open Error Log), while the user sees one plain sentence. The engine process writes to the same file
 * (its path travels in CAMSCOPE_ERROR_LOG). Appends are small and synchronous so a crash right after still leaves
 * the entry; the file is rotated to `.1` past 2 MB.
 */
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

const MAX_BYTES = 2 * 2 ** 20;
let logFile: string | null = process.env.CAMSCOPE_ERROR_LOG || null;

/** Where the log goes (null: nowhere, e.g. the CLI, which prints its errors). */
export function setErrorLogFile(file: string | null): void {
  logFile = file;
}

export function errorLogFile(): string | null {
  return logFile;
}

/** The error with its stack and the chain of causes, as text. */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  let current: unknown = e;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      parts.push(`${depth ? 'caused by: ' : ''}${current.stack ?? `${current.name}: ${current.message}`}${typeof code === 'string' ? ` [${code}]` : ''}`);
      current = (current as { cause?: unknown }).cause;
    } else {
      parts.push(`${depth ? 'caused by: ' : ''}${String(current)}`);
      break;
    }
  }
  return parts.join('\n');
}

/** Appends one entry: time, where it happened, and the error's full detail. Never throws. */
export function logError(where: string, e: unknown): void {
  if (!logFile) return;
  try {
    mkdirSync(dirname(logFile), { recursive: true });
    try {
      if (statSync(logFile).size > MAX_BYTES) renameSync(logFile, `${logFile}.1`);
    } catch {
      // no log yet
    }
    appendFileSync(logFile, `[${new Date().toISOString()}] ${where} (process ${process.pid})\n${describeError(e)}\n\n`);
  } catch {
    // A log that cannot be written (full disk, read-only folder) must not turn into a second error.
  }
}
