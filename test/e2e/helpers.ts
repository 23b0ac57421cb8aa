/** Helpers for the end-to-end suite: the bridge's test hooks, screenshots, and CSP-violation tracking. */
import fs from 'node:fs';
import path from 'node:path';
import type { APIRequestContext, Browser, Page } from '@playwright/test';

export const SCREENSHOTS = path.resolve('test-output/screenshots');

/** The bridge's test hooks need the token it printed when it started (playwright.config.ts puts it in the env). */
function hookHeaders(): Record<string, string> {
  const token = process.env.CAMSCOPE_TEST_TOKEN;
  if (!token) throw new Error('CAMSCOPE_TEST_TOKEN is not set: run the suite with playwright.config.ts, which reads it from the bridge.');
  return { 'content-type': 'application/json', 'x-camscope-bridge': '1', 'x-camscope-test-token': token };
}

export type DialogKind = 'openModel' | 'openFolder' | 'openProject' | 'saveProject' | 'exportFigure' | 'exportReport' | 'saveCoco' | 'openRegionsFile' | 'openRegionsFolder';

/** The next native dialog of this kind answers `answer` (null = the user cancels). */
export async function presetDialog(request: APIRequestContext, kind: DialogKind, answer: string | null): Promise<void> {
  const r = await request.post('/__test/dialog', { headers: hookHeaders(), data: { kind, answer } });
  if (!r.ok()) throw new Error(`could not preset the ${kind} dialog: ${r.status()}`);
}

/** A fresh app: the bridge stops its engine quietly and forgets the open project, model and folder. */
export async function resetApp(request: APIRequestContext): Promise<void> {
  const r = await request.post('/__test/reset', { headers: hookHeaders(), data: {} });
  if (!r.ok()) throw new Error(`could not reset the app: ${r.status()}`);
}

/** Ends the engine process: a SIGKILL from outside ('kill'), or a native abort inside it ('abort'). */
export async function crashEngine(request: APIRequestContext, how: 'kill' | 'abort' = 'kill'): Promise<void> {
  const r = await request.post(how === 'kill' ? '/__test/crash' : '/__test/abort', { headers: hookHeaders(), data: {} });
  if (!r.ok()) throw new Error(`could not crash the engine: ${r.status()}`);
}

/** The engine's OS process id (null when none runs), to kill the real process from outside as a user or the OS would. */
export async function enginePid(request: APIRequestContext): Promise<number | null> {
  const r = await request.post('/__test/engine', { headers: hookHeaders(), data: {} });
  if (!r.ok()) throw new Error(`could not read the engine's pid: ${r.status()}`);
  return ((await r.json()) as { pid: number | null }).pid;
}

/** What "Open" and "Show in folder" asked of the bridge's file shell so far (it records instead of opening). */
export async function shellCalls(request: APIRequestContext): Promise<{ action: 'open' | 'show'; path: string }[]> {
  const r = await request.post('/__test/shell', { headers: hookHeaders(), data: {} });
  if (!r.ok()) throw new Error(`could not read the file shell's calls: ${r.status()}`);
  return (await r.json()) as { action: 'open' | 'show'; path: string }[];
}

export async function shot(page: Page, name: string): Promise<string> {
  const file = path.join(SCREENSHOTS, `${name}.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Toasts come and go, and a focus ring on the last control clicked is noise: neither is part of the screen.
  // (Browser-side code as strings: this project's Node type-check has no DOM library.)
  await page.evaluate(`document.querySelectorAll('.toasts .toast').forEach((t) => (t.style.display = 'none'));
    document.activeElement?.blur?.();`);
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  await page.evaluate(`document.querySelectorAll('.toasts .toast').forEach((t) => (t.style.display = ''))`);
  return file;
}

/** Collects Content-Security-Policy violations and page errors, to assert none happened. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    if (/Content Security Policy|Refused to/i.test(text)) problems.push(`CSP: ${text}`);
  });
  return problems;
}

/**
 * One page per spec file (the specs run serially on one bridge): an emptied work folder when given, a fresh app
 * loaded,
 * and page errors / CSP violations collected for the spec's last test to assert on.
 */
export async function openSpecPage(
  browser: Browser,
  opts: { work?: string; viewport?: { width: number; height: number } } = {},
): Promise<{ page: Page; problems: string[] }> {
  if (opts.work) {
    fs.rmSync(opts.work, { recursive: true, force: true });
    fs.mkdirSync(opts.work, { recursive: true });
  }
  const page = await browser.newPage(opts.viewport ? { viewport: opts.viewport } : {});
  // Spec files share one bridge: each starts with nothing open (a new untitled project), not the last file's state.
  await resetApp(page.request);
  const problems = watchProblems(page);
  await page.goto('/');
  return { page, problems };
}
