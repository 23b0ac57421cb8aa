/** Stack traces go to the error log, not to the user: what is written, rotation, and a log that cannot be written. */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeError, errorLogFile, logError, setErrorLogFile } from '../../../src/main/common/error-log';
import { toIpcError } from '../../../src/main/common/errors';

afterEach(() => setErrorLogFile(null));

describe('error log', () => {
  it('records where, the stack and the causes; the user message stays one sentence pointing to it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'camscope-log-')), 'logs', 'errors.log');
    setErrorLogFile(file);
    expect(errorLogFile()).toBe(file);
    const e = new Error('cannot rollback - no transaction is active', { cause: Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' }) });
    logError('request evaluation:run', e);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/request evaluation:run \(process \d+\)/);
    expect(text).toContain('Error: cannot rollback - no transaction is active');
    expect(text).toMatch(/at .*error-log\.test\.ts/);
    expect(text).toContain('caused by: Error: disk I/O error');
    expect(text).toContain('[SQLITE_IOERR]');
    const shown = toIpcError(e);
    expect(shown.code).toBe('INTERNAL');
    expect(shown.message).toMatch(/The details are in the error log \(Help → Open Error Log\)\.$/);
    expect(shown.message).not.toContain('\n');
  });

  it('rotates past 2 MB and never throws when the log cannot be written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'camscope-log-'));
    const file = join(dir, 'errors.log');
    writeFileSync(file, 'x'.repeat(2 * 2 ** 20 + 1));
    setErrorLogFile(file);
    logError('here', new Error('after rotation'));
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('after rotation');
    // A log path below a file (not a folder) cannot be created: logging stays silent.
    setErrorLogFile(join(file, 'nested', 'errors.log'));
    expect(() => logError('here', new Error('lost'))).not.toThrow();
    chmodSync(dir, 0o755);
  });

  it('describes non-Error values', () => {
    expect(describeError('plain text')).toBe('plain text');
  });
});
