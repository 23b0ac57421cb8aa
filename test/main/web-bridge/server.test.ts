// The web test bridge's HTTP surface on a fake engine: what it serves, what it refuses, the API over HTTP and the
// event stream. (The real engine behind it is exercised by the Playwright suite in test/e2e.)
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWire } from '../../../src/shared/wire';
import { startBridge, type Bridge } from '../../../src/main/web-bridge/server';

const root = path.resolve(import.meta.dirname, '../../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'camscope-bridge-test-'));
const rendererDir = path.join(tmp, 'renderer');
fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
fs.writeFileSync(
  path.join(rendererDir, 'index.html'),
  '<!doctype html><html><head><script type="module" crossorigin src="./assets/app.js"></script></head><body></body></html>',
);
fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log("app")');
fs.writeFileSync(path.join(tmp, 'secret.txt'), 'secret');

const engine = {
  warmUp: () => 1,
  call: async (op: string) => (op === 'openProject' ? { context: {}, stats: { annotationCount: 0, evaluationCount: 0 } } : null),
  start: (_op: string, _args: unknown, opts: { onPartial?: (v: unknown) => void }) => ({
    id: 1,
    cancel: () => {},
    result: (async () => {
      opts.onPartial?.({ stage: 'predict', done: 0, total: 2 });
      opts.onPartial?.({ k: 1, indices: Int32Array.of(0, 1), classes: Int32Array.of(3, 4), probs: Float32Array.of(0.5, 0.25) });
      return { done: 2, failed: [], seconds: 0 };
    })(),
  }),
  kill: async () => {},
  dispose: async () => {},
};

let bridge: Bridge;
beforeAll(async () => {
  bridge = await startBridge({ rendererDir, sourceRoot: root, userDataDir: path.join(tmp, 'user'), testHooks: true, engine: engine as never, log: () => {} });
});
afterAll(async () => {
  await bridge.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function request(
  p: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: bridge.port, path: p, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

const api = { 'content-type': 'application/json', 'x-camscope-bridge': '1' };
const invoke = async (channel: string, payload?: unknown) => {
  const r = await request(`/__bridge/invoke/${channel}`, { method: 'POST', headers: api, body: JSON.stringify(payload === undefined ? {} : { payload }) });
  return { ...r, result: decodeWire(new Uint8Array(r.body)) as { ok: boolean; value?: unknown; error?: { code: string; message: string } } };
};

describe('web bridge', () => {
  it('binds to 127.0.0.1 and serves the built page with the client injected before the app, under a strict CSP', async () => {
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/`);
    const r = await request('/');
    expect(r.status).toBe(200);
    const html = r.body.toString();
    expect(html.indexOf('/__bridge/client.js')).toBeGreaterThan(0);
    expect(html.indexOf('/__bridge/client.js')).toBeLessThan(html.indexOf('./assets/app.js'));
    expect(r.headers['content-security-policy']).toMatch(/script-src 'self'; .*connect-src 'self'/);
    expect(r.headers['content-security-policy']).not.toMatch(/unsafe/);
    expect((await request('/assets/app.js')).body.toString()).toContain('console.log');
  });

  it('serves the client as plain JavaScript that imports the wire codec from the bridge', async () => {
    const client = (await request('/__bridge/client.js')).body.toString();
    expect(client).toContain("from '/__bridge/wire.js'");
    expect(client).toContain('window.camscope = api');
    expect(client).not.toMatch(/:\s*Promise<|import type/);
    const wire = (await request('/__bridge/wire.js')).body.toString();
    expect(wire).toContain('export function decodeWire');
  });

  it('refuses other hosts (DNS rebinding), other origins, non-API requests and paths outside the renderer', async () => {
    expect((await request('/', { headers: { host: 'evil.example' } })).status).toBe(421);
    expect((await request('/__bridge/invoke/app:version', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(403);
    expect(
      (await request('/__bridge/invoke/app:version', { method: 'POST', headers: { ...api, origin: 'http://evil.example' }, body: '{}' })).status,
    ).toBe(403);
    expect((await request('/%2e%2e/secret.txt')).status).toBe(404);
    expect((await request('/../secret.txt')).status).toBe(404);
    expect((await request('/', { method: 'DELETE' })).status).toBe(405);
  });

  it('answers the contract over HTTP, validating requests like the IPC layer', async () => {
    const ok = await invoke('app:version');
    expect(ok.result).toMatchObject({ ok: true, value: { shell: 'web-bridge' } });
    expect((await invoke('no:such')).result).toEqual({ ok: false, error: { code: 'INVALID_REQUEST', message: 'camscope has no request named "no:such".' } });
    expect((await invoke('drop:register', { path: '/etc' })).result).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect((await invoke('dataset:thumbnails', { indices: [] })).result).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/at least 1 item/) },
    });
    expect((await invoke('model:inspect', { path: '/etc/passwd' })).result).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED' } });
  });

  it('answers dialogs from the test hook (and cancels when none is queued)', async () => {
    expect((await invoke('dialog:openFolder')).result).toEqual({ ok: true, value: null });
    const hook = await request('/__test/dialog', {
      method: 'POST',
      headers: { ...api, 'x-camscope-test-token': bridge.testToken! },
      body: JSON.stringify({ kind: 'openFolder', answer: tmp }),
    });
    expect(hook.status).toBe(200);
    expect((await invoke('dialog:openFolder')).result).toEqual({ ok: true, value: { path: tmp } });
  });

  it('refuses the test hooks to anyone without the per-start token', async () => {
    expect(bridge.testToken).toMatch(/^[0-9a-f]{64}$/);
    const hook = (headers: Record<string, string>, p = '/__test/dialog', body: unknown = { kind: 'openFolder', answer: '/' }) =>
      request(p, { method: 'POST', headers: { ...api, ...headers }, body: JSON.stringify(body) });
    const wrong = bridge.testToken!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    for (const headers of [{} as Record<string, string>, { 'x-camscope-test-token': '' }, { 'x-camscope-test-token': wrong }, { 'x-camscope-test-token': bridge.testToken!.slice(1) }]) {
      expect((await hook(headers)).status).toBe(403);
      expect((await hook(headers, '/__test/crash', {})).status).toBe(403);
      expect((await hook(headers, '/__test/reset', {})).status).toBe(403);
    }
    // Nothing was queued: the next dialog is still cancelled, so "/" never joined the allow-list.
    expect((await invoke('dialog:openFolder')).result).toEqual({ ok: true, value: null });
    // With the token, malformed answers are refused too.
    const token = { 'x-camscope-test-token': bridge.testToken! };
    expect((await hook(token, '/__test/dialog', { kind: 'openFolder', answer: ['/'] })).status).toBe(400);
    expect((await hook(token, '/__test/dialog', { kind: 'rm -rf', answer: '/' })).status).toBe(400);
  });

  it('a bridge without test hooks has none, and each start has its own token', async () => {
    const plain = await startBridge({ rendererDir, sourceRoot: root, userDataDir: path.join(tmp, 'user-2'), engine: engine as never, log: () => {} });
    const other = await startBridge({ rendererDir, sourceRoot: root, userDataDir: path.join(tmp, 'user-3'), testHooks: true, engine: engine as never, log: () => {} });
    try {
      expect(plain.testToken).toBeNull();
      expect(other.testToken).toMatch(/^[0-9a-f]{64}$/);
      expect(other.testToken).not.toBe(bridge.testToken);
      const r = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port: plain.port, path: '/__test/dialog', method: 'POST', headers: { ...api, 'x-camscope-test-token': bridge.testToken! } },
          (res) => (res.resume(), resolve(res.statusCode ?? 0)),
        );
        req.on('error', reject);
        req.end(JSON.stringify({ kind: 'openFolder', answer: '/' }));
      });
      expect(r).toBe(404);
    } finally {
      await plain.close();
      await other.close();
    }
  });

  it('streams events over SSE; binary payloads are fetched as wire envelopes', async () => {
    const messages: { seq: number; event: string; payload?: unknown; binary?: boolean }[] = [];
    const sse = http.get({ host: '127.0.0.1', port: bridge.port, path: '/__bridge/events' });
    const done = new Promise<void>((resolve) => {
      sse.on('response', (res) => {
        expect(res.headers['content-type']).toMatch(/text\/event-stream/);
        let buffer = '';
        res.on('data', (c: Buffer) => {
          buffer += c.toString();
          for (const block of buffer.split('\n\n').slice(0, -1)) {
            const line = block.split('\n').find((l) => l.startsWith('data: '));
            if (line) messages.push(JSON.parse(line.slice(6)));
          }
          buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
          if (messages.length >= 2) resolve();
        });
      });
    });
    await new Promise((r) => setTimeout(r, 100));
    const r = await invoke('predictions:run', { jobId: 'p-1' });
    expect(r.result).toMatchObject({ ok: true, value: { done: 2 } });
    await done;
    sse.destroy();
    expect(messages[0]).toMatchObject({ event: 'job:progress', payload: { jobId: 'p-1', done: 0, total: 2 } });
    expect(messages[1]).toMatchObject({ event: 'predictions:batch', binary: true });
    expect(Number(r.headers['x-camscope-event-seq'])).toBeGreaterThanOrEqual(messages[1].seq);
    const blob = await request(`/__bridge/event/${messages[1].seq}`);
    const batch = decodeWire(new Uint8Array(blob.body)) as { jobId: string; classes: Int32Array; probs: Float32Array };
    expect(batch.jobId).toBe('p-1');
    expect([...batch.classes]).toEqual([3, 4]);
    expect([...batch.probs]).toEqual([0.5, 0.25]);
  });
});
