/**
 * The web test bridge: a development/test-only HTTP server that serves the built renderer (out/renderer) to a plain
 * browser and implements the same CamscopeApi over HTTP, on the real engine (a worker thread via EngineHost) and the
 * same handlers as the Electron app (src/main/handlers/). It never runs inside the app.
 *
 *   GET  /                         index.html with /__bridge/client.js injected before the app's script
 *   GET  /assets/…                 the built renderer's files
 *   GET  /__bridge/client.js       window.camscope over HTTP (src/renderer/bridge/client.ts, transpiled)
 *   GET  /__bridge/wire.js         the binary envelope codec (src/shared/wire.ts, transpiled)
 *   POST /__bridge/invoke/:channel {"payload": …} → the IpcResult envelope, binary-encoded
 *   GET  /__bridge/events          Server-Sent Events: {seq, event, payload} (or {seq, event, binary: true})
 *   GET  /__bridge/event/:seq      a binary event's payload
 *   POST /__test/dialog            {kind, answer}: the next answer of that native dialog (test hooks only)
 *   POST /__test/crash             SIGKILLs the engine process (test hooks only)
 *   POST /__test/abort             makes the engine process abort natively (SIGABRT; test hooks only)
 *   POST /__test/engine            the engine's OS process id, {pid} (null when none runs), so a test can kill it from outside
 *   POST /__test/shell             the Open / Show in folder calls made so far, as JSON (test hooks only)
 *   POST /__test/reset             stops the engine quietly, forgets the open project, model and folder, the recent projects and the shell calls (test hooks only)
 *
 * The test hooks answer dialogs, so they can allow-list any path: they need the X-Camscope-Test-Token header, a
 * random token made at each start that only whoever started the bridge sees (serve.ts prints it on its stdout,
 * where playwright.config.ts reads it). Any other local process is refused.
 *
 * Bound to 127.0.0.1 only. Requests must name this server in Host (no DNS rebinding), and API calls must carry
 * the X-Camscope-Bridge header and JSON (so other origins' pages cannot call it without a CORS preflight, which is
 * never granted). The page keeps the app's strict CSP (script-src 'self', connect-src 'self').
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import ts from 'typescript';
import { isChannelName, MAX_PATH_LENGTH, PRELOAD_ONLY_CHANNELS, type ChannelName, type EventName, type Events, type IpcResult } from '../../shared/api';
import { check, nullable, object, oneOf, string } from '../../shared/validate';
import { encodeWire, hasBinary } from '../../shared/wire';
import { EngineHost, forkedEngine } from '../engine-host/host';
import { engineMemoryLimitMb } from '../engine-host/memory';
import type { EngineOps } from '../workbench/ops';
import type { Dialogs, Handler, Handlers } from '../handlers/deps';
import { answer as dispatch } from '../handlers/dispatch';
import { createHandlers } from '../handlers/index';
import { PathAllowList } from '../handlers/access';
import { UserDataStore } from '../handlers/user-data';

export const DIALOG_KINDS = ['openModel', 'openFolder', 'openProject', 'saveProject', 'exportFigure', 'exportReport', 'saveCoco', 'openRegionsFile', 'openRegionsFolder'] as const;
export type DialogKind = (typeof DIALOG_KINDS)[number];

export interface BridgeOptions {
  /** 0 = any free port. */
  port?: number;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** The repository root (for src/renderer/bridge/client.ts and src/shared/wire.ts). */
  sourceRoot: string;
  /** Settings, recent projects and untitled projects; a fresh temp folder when not given. */
  userDataDir?: string;
  /** Enables /__test/* (preset dialog answers, crash the engine), for requests that carry {@link Bridge.testToken}. */
  testHooks?: boolean;
  /** The test hooks' token (64 hex digits); a random one when not given. */
  testToken?: string;
  /** The engine; by default a worker running src/main/workbench/worker.ts under tsx. */
  engine?: EngineHost<EngineOps>;
  log?: (line: string) => void;
}

export interface Bridge {
  url: string;
  port: number;
  engine: EngineHost<EngineOps>;
  /** What /__test/* requests must carry in X-Camscope-Test-Token; null without test hooks. */
  testToken: string | null;
  /** Queues the next answer of a dialog (null = the user cancelled). */
  presetDialog(kind: DialogKind, answer: string | null): void;
  close(): Promise<void>;
}

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** The body of POST /__test/dialog. */
const dialogHook = object({ kind: oneOf(DIALOG_KINDS), answer: nullable(string({ minLength: 1, maxLength: MAX_PATH_LENGTH })) });

/** A fresh test-hook token: 32 random bytes as hex. */
export function newTestToken(): string {
  return randomBytes(32).toString('hex');
}

/** Does the request carry the token (compared in constant time)? */
function hasToken(req: http.IncomingMessage, token: string): boolean {
  const given = Buffer.from(String(req.headers['x-camscope-test-token'] ?? ''));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Most binary event payloads kept for clients to fetch. */
const MAX_STORED_EVENTS = 2_000;
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Transpiles one of the browser-side modules, pointing its only import (the wire codec) at /__bridge/wire.js. */
function transpile(file: string): string {
  const source = fs.readFileSync(file, 'utf8');
  const out = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
    fileName: file,
  }).outputText;
  return out.replace(/from\s+['"](?:\.\.\/)+shared\/wire['"]/g, "from '/__bridge/wire.js'");
}

/**
 * The engine as its own process, running the TypeScript entry from source under tsx (the bridge runs without a
 * build): a crash, abort or kill there never takes the bridge down. `testHooks` lets the engine's abort hook work.
 */
export function sourceEngine(sourceRoot: string, onCrash?: (message: string) => void, testHooks = false): EngineHost<EngineOps> {
  return new EngineHost<EngineOps>({
    spawn: forkedEngine(path.join(sourceRoot, 'src/main/workbench/worker.ts'), {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...(testHooks ? { CAMSCOPE_ENGINE_TEST_HOOKS: '1' } : {}) },
    }),
    memoryLimitMb: engineMemoryLimitMb(),
    onCrash,
  });
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const log = options.log ?? ((line: string) => console.log(`[bridge] ${line}`));
  if (options.testToken !== undefined && !/^[0-9a-f]{64}$/.test(options.testToken)) throw new Error('The test-hook token must be 64 hex digits.');
  const testToken = options.testHooks ? (options.testToken ?? newTestToken()) : null;
  const rendererDir = path.resolve(options.rendererDir);
  const indexFile = path.join(rendererDir, 'index.html');
  if (!fs.existsSync(indexFile)) throw new Error(`The built renderer is missing (${indexFile}); run "npx electron-vite build" first.`);
  const userDataDir = options.userDataDir ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'camscope-bridge-')));
  const scripts = {
    client: transpile(path.join(options.sourceRoot, 'src/renderer/bridge/client.ts')),
    wire: transpile(path.join(options.sourceRoot, 'src/shared/wire.ts')),
  };

  // --- events: SSE clients and stored binary payloads ---
  const clients = new Set<http.ServerResponse>();
  const stored = new Map<number, Uint8Array>();
  let seq = 0;
  const emit = <E extends EventName>(event: E, payload: Events[E]): void => {
    const n = ++seq;
    let message: string;
    if (hasBinary(payload)) {
      stored.set(n, encodeWire(payload));
      for (const key of stored.keys()) {
        if (stored.size <= MAX_STORED_EVENTS) break;
        stored.delete(key);
      }
      message = JSON.stringify({ seq: n, event, binary: true });
    } else {
      message = JSON.stringify({ seq: n, event, payload });
    }
    for (const res of clients) res.write(`data: ${message}\n\n`);
  };

  // --- dialogs: answers preset by the tests ---
  const answers = new Map<DialogKind, (string | null)[]>();
  const presetDialog = (kind: DialogKind, answer: string | null): void => {
    answers.set(kind, [...(answers.get(kind) ?? []), answer]);
  };
  const answer = (kind: DialogKind) => async (): Promise<string | null> => {
    const queue = answers.get(kind) ?? [];
    if (!queue.length) {
      log(`dialog "${kind}" opened with no preset answer: treated as cancelled`);
      return null;
    }
    return queue.shift()!;
  };
  const dialogs: Dialogs = {
    openModel: answer('openModel'),
    openFolder: answer('openFolder'),
    openProject: answer('openProject'),
    saveProject: answer('saveProject'),
    exportFolder: (kind) => answer(kind === 'figure' ? 'exportFigure' : 'exportReport')(),
    saveCoco: answer('saveCoco'),
    openRegions: (from) => answer(from === 'file' ? 'openRegionsFile' : 'openRegionsFolder')(),
    // A browser has no dropped paths (drop:register is refused below); were one to get here, it is declined.
    confirmDropped: async () => false,
  };

  // --- the file shell: a browser cannot open files, so calls are recorded for the tests (POST /__test/shell) ---
  const shellCalls: { action: 'open' | 'show'; path: string }[] = [];
  const fileShell = {
    openPath: async (p: string): Promise<string> => {
      shellCalls.push({ action: 'open', path: p });
      return '';
    },
    showItemInFolder: (p: string): void => {
      shellCalls.push({ action: 'show', path: p });
    },
  };

  let onCrash: (message: string) => void = () => {};
  const engine = options.engine ?? sourceEngine(options.sourceRoot, (m) => onCrash(m), Boolean(options.testHooks));
  const { handlers, client } = createHandlers({
    engine,
    allowList: new PathAllowList(),
    dialogs,
    emit,
    store: new UserDataStore(userDataDir),
    app: { version: '0.1.0', electron: 'none (web bridge)', shell: 'web-bridge' },
    untitledDir: path.join(userDataDir, 'untitled-projects'),
    shell: fileShell,
  });
  onCrash = (m) => client.engineCrashed(m);

  let port = options.port ?? 0;
  const allowedHosts = (): Set<string> => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  const send = (res: http.ServerResponse, status: number, type: string, body: string | Uint8Array, extra: Record<string, string> = {}): void => {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': CSP,
      'referrer-policy': 'no-referrer',
      ...extra,
    });
    res.end(body);
  };

  const readBody = (req: http.IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          reject(new Error('request too large'));
          req.destroy();
        } else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const invoke = async (name: ChannelName, body: string): Promise<IpcResult<unknown>> => {
    let parsed: { payload?: unknown };
    try {
      parsed = body ? (JSON.parse(body) as { payload?: unknown }) : {};
    } catch {
      return { ok: false, error: { code: 'INVALID_REQUEST', message: `camscope could not understand the request "${name}": it is not JSON.` } };
    }
    return dispatch(name, handlers[name] as Handler<ChannelName>, parsed.payload);
  };

  const indexHtml = (): string =>
    fs.readFileSync(indexFile, 'utf8').replace(/<script type="module"/, '<script type="module" src="/__bridge/client.js"></script>\n    $&');

  const server = http.createServer((req, res) => {
    void (async () => {
      const host = req.headers.host ?? '';
      if (!allowedHosts().has(host)) return send(res, 421, 'text/plain', 'Misdirected request');
      const url = new URL(req.url ?? '/', `http://${host}`);
      const p = url.pathname;

      if (req.method === 'POST') {
        const origin = req.headers.origin;
        if (origin && origin !== `http://${host}`) return send(res, 403, 'text/plain', 'Forbidden origin');
        if (req.headers['x-camscope-bridge'] !== '1' || !String(req.headers['content-type'] ?? '').startsWith('application/json')) {
          return send(res, 403, 'text/plain', 'Not a camscope bridge request');
        }
        const body = await readBody(req);
        if (p.startsWith('/__bridge/invoke/')) {
          const name = decodeURIComponent(p.slice('/__bridge/invoke/'.length));
          // drop:register takes paths only from files dropped in the desktop app; a browser has none.
          const result: IpcResult<unknown> = isChannelName(name) && !PRELOAD_ONLY_CHANNELS.includes(name)
            ? await invoke(name, body)
            : { ok: false, error: { code: 'INVALID_REQUEST', message: `camscope has no request named "${name}".` } };
          return send(res, 200, 'application/octet-stream', encodeWire(result), { 'x-camscope-event-seq': String(seq) });
        }
        if (testToken && p.startsWith('/__test/')) {
          if (!hasToken(req, testToken)) {
            log(`refused ${p}: no valid X-Camscope-Test-Token`);
            return send(res, 403, 'text/plain', 'The test hooks need the token this bridge printed when it started.');
          }
          if (p === '/__test/dialog') {
            let parsed: unknown;
            try {
              parsed = JSON.parse(body);
            } catch {
              return send(res, 400, 'text/plain', 'The body is not JSON.');
            }
            const checked = check(dialogHook, parsed);
            if (!checked.ok) return send(res, 400, 'text/plain', checked.error.message);
            presetDialog(checked.value.kind, checked.value.answer);
            return send(res, 200, 'application/json', '{"ok":true}');
          }
          if (p === '/__test/shell') {
            // What "Open" and "Show in folder" asked of the file shell so far.
            return send(res, 200, 'application/json', JSON.stringify(shellCalls));
          }
          if (p === '/__test/reset') {
            // A fresh app for the next spec file: the engine stopped (not crashed: no notice), nothing open.
            await engine.dispose();
            client.forgetForTest();
            shellCalls.length = 0;
            // A project an earlier spec saved is not this spec's recent project.
            const recent = new UserDataStore(userDataDir);
            for (const r of recent.recentProjects()) recent.removeRecent(r.path);
            return send(res, 200, 'application/json', '{"ok":true}');
          }
          if (p === '/__test/crash') {
            // A real SIGKILL of the engine process, as the OS or a user would end it.
            await engine.kill();
            return send(res, 200, 'application/json', '{"ok":true}');
          }
          if (p === '/__test/engine') return send(res, 200, 'application/json', JSON.stringify({ pid: engine.pid }));
          if (p === '/__test/abort') {
            // A native abort (SIGABRT) inside the engine process, as a crash in onnxruntime or sharp would end it.
            await engine.call('abortForTest', {}).catch(() => {});
            return send(res, 200, 'application/json', '{"ok":true}');
          }
        }
        return send(res, 404, 'text/plain', 'Not found');
      }

      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'Method not allowed');
      if (p === '/__bridge/events') {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-content-type-options': 'nosniff',
        });
        res.write(': camscope bridge\n\n');
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      if (p.startsWith('/__bridge/event/')) {
        const bytes = stored.get(Number(p.slice('/__bridge/event/'.length)));
        return bytes ? send(res, 200, 'application/octet-stream', bytes) : send(res, 404, 'text/plain', 'Gone');
      }
      if (p === '/__bridge/client.js') return send(res, 200, MIME['.js'], scripts.client);
      if (p === '/__bridge/wire.js') return send(res, 200, MIME['.js'], scripts.wire);
      if (p === '/' || p === '/index.html') return send(res, 200, MIME['.html'], indexHtml());

      // Static files of the built renderer, never outside it.
      const file = path.resolve(rendererDir, `.${decodeURIComponent(p)}`);
      const rel = path.relative(rendererDir, file);
      if (rel.startsWith('..') || path.isAbsolute(rel)) return send(res, 404, 'text/plain', 'Not found');
      const stat = await fsp.stat(file).catch(() => null);
      if (!stat?.isFile()) return send(res, 404, 'text/plain', 'Not found');
      return send(res, 200, MIME[path.extname(file)] ?? 'application/octet-stream', await fsp.readFile(file));
    })().catch((e: unknown) => {
      console.error('[bridge] request failed', e);
      if (!res.headersSent) send(res, 500, 'text/plain', 'Internal error');
      else res.end();
    });
  });
  // Long jobs (evaluations) answer after minutes: no request or socket timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  server.timeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  log(`serving ${rendererDir} at ${url} (user data in ${userDataDir})`);

  return {
    url,
    port,
    engine,
    testToken,
    presetDialog,
    close: async () => {
      for (const res of clients) res.end();
      clients.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await engine.dispose();
    },
  };
}

export type { Handlers };
