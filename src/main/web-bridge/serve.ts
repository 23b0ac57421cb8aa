/**
 * Starts the web test bridge (dev/test only; see server.ts):
 *
 *   node --import tsx src/main/web-bridge/serve.ts [--port 0] [--test-hooks] [--build] [--user-data DIR]
 *
 * --port 0 picks a free port; the URL is printed as `camscope web bridge: http://127.0.0.1:PORT/`.
 * --test-hooks enables /__test/* for requests carrying the token printed first as
 * `camscope web bridge test-hook token: <64 hex digits>`.
 * --build runs `electron-vite build` first when out/renderer is missing or older than the renderer's sources.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newTestToken, startBridge } from './server';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Newest modification time under a folder (files only). */
function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

function buildIfStale(): void {
  const built = path.join(root, 'out/renderer/index.html');
  const stale =
    !fs.existsSync(built) ||
    Math.max(newest(path.join(root, 'src/renderer')), newest(path.join(root, 'src/shared'))) > fs.statSync(built).mtimeMs;
  if (!stale) return;
  console.log('[bridge] building the app (electron-vite build)…');
  execFileSync(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
}

if (process.argv.includes('--build')) buildIfStale();

const testHooks = process.argv.includes('--test-hooks');
// The test hooks' token goes to whoever started the bridge (playwright.config.ts reads it from this line) before
// the bridge listens, so no request can reach the hooks before the runner has it.
const testToken = testHooks ? newTestToken() : undefined;
if (testToken) console.log(`camscope web bridge test-hook token: ${testToken}`);

const bridge = await startBridge({
  port: Number(arg('--port') ?? 0),
  rendererDir: path.join(root, 'out/renderer'),
  sourceRoot: root,
  userDataDir: arg('--user-data'),
  testHooks,
  testToken,
});
console.log(`camscope web bridge: ${bridge.url}`);

const stop = (): void => {
  void bridge.close().finally(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
