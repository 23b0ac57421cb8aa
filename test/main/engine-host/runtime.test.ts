import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerToHost } from '../../../src/main/engine-host/protocol';
import { serveOps, toWireError } from '../../../src/main/engine-host/runtime';

class CamscopeLikeError extends Error {
  code = 'INVALID_MODEL';
  override name = 'CamscopeError';
}

type TestOps = {
  add: { args: { a: number; b: number }; result: number };
  fail: { args: Record<string, never>; result: never };
  crashy: { args: Record<string, never>; result: never };
  wait: { args: Record<string, never>; result: string };
};

let ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports) p.close();
  ports = [];
});

function setup() {
  const { port1: host, port2: worker } = new MessageChannel();
  ports.push(host, worker);
  const received: WorkerToHost[] = [];
  const waiters: (() => void)[] = [];
  host.on('message', (m: WorkerToHost) => {
    received.push(m);
    waiters.splice(0).forEach((w) => w());
  });
  const next = async (pred: (m: WorkerToHost) => boolean): Promise<WorkerToHost> => {
    for (;;) {
      const found = received.find(pred);
      if (found) return found;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  let seenAbort = false;
  const stop = serveOps<TestOps>(worker, {
    add: ({ a, b }, { progress }) => {
      progress({ stage: 'adding', fraction: 0.5 });
      return a + b;
    },
    fail: () => {
      throw new CamscopeLikeError('That file is not a model.');
    },
    crashy: () => {
      throw new TypeError('cannot read x');
    },
    wait: (_args, { signal }) =>
      new Promise<string>((resolve) =>
        signal.addEventListener('abort', () => {
          seenAbort = true;
          resolve('late');
        }),
      ),
  });
  return { host, received, next, stop, aborted: () => seenAbort };
}

describe('serveOps (worker side of the protocol)', () => {
  it('answers calls with results and forwards progress', async () => {
    const { host, next } = setup();
    host.postMessage({ type: 'call', id: 1, op: 'add', args: { a: 2, b: 3 } });
    expect(await next((m) => m.type === 'progress' && m.id === 1)).toEqual({
      type: 'progress',
      id: 1,
      progress: { stage: 'adding', fraction: 0.5 },
    });
    expect(await next((m) => m.type === 'result' && m.id === 1)).toEqual({ type: 'result', id: 1, value: 5 });
  });

  it('keeps engine error codes and wraps other errors plainly', async () => {
    const { host, next } = setup();
    host.postMessage({ type: 'call', id: 2, op: 'fail', args: {} });
    host.postMessage({ type: 'call', id: 3, op: 'crashy', args: {} });
    host.postMessage({ type: 'call', id: 4, op: 'nope', args: {} });
    expect(await next((m) => m.id === 2 && m.type !== 'received')).toEqual({
      type: 'error',
      id: 2,
      error: { code: 'INVALID_MODEL', message: 'That file is not a model.' },
    });
    expect(await next((m) => m.id === 3 && m.type !== 'received')).toEqual({
      type: 'error',
      id: 3,
      error: { code: 'ENGINE_FAILED', message: 'The analysis engine failed: cannot read x' },
    });
    expect(await next((m) => m.id === 4 && m.type !== 'received')).toMatchObject({ type: 'error', error: { message: /no operation named "nope"/ } });
  });

  it('aborts the running job on cancel and sends nothing more for it', async () => {
    const { host, received, next, aborted } = setup();
    host.postMessage({ type: 'call', id: 5, op: 'wait', args: {} });
    host.postMessage({ type: 'cancel', id: 5 });
    host.postMessage({ type: 'call', id: 6, op: 'add', args: { a: 1, b: 1 } });
    await next((m) => m.type === 'result' && m.id === 6);
    await new Promise((r) => setTimeout(r, 20));
    expect(aborted()).toBe(true);
    // Only the receipt, sent when the call arrived (before the cancel): no progress, partial, result or error after it.
    expect(received.filter((m) => m.id === 5)).toEqual([{ type: 'received', id: 5 }]);
  });

  it('acknowledges each call as it arrives, before any answer (a call never acknowledged by a dead engine was never run)', async () => {
    const { host, received, next } = setup();
    host.postMessage({ type: 'call', id: 8, op: 'add', args: { a: 2, b: 3 } });
    await next((m) => m.type === 'result' && m.id === 8);
    expect(received.filter((m) => m.id === 8).map((m) => m.type)).toEqual(['received', 'progress', 'result']);
  });

  it('ignores malformed messages', async () => {
    const { host, next } = setup();
    host.postMessage('hello');
    host.postMessage({ type: 'call', id: 'x', op: 'add' });
    host.postMessage({ type: 'call', id: 7, op: 'add', args: { a: 0, b: 7 } });
    expect(await next((m) => m.type === 'result' && m.id === 7)).toMatchObject({ value: 7 });
  });

  it('toWireError maps AbortError to CANCELLED and non-errors to ENGINE_FAILED', () => {
    expect(toWireError(Object.assign(new Error('x'), { name: 'AbortError' }))).toEqual({
      code: 'CANCELLED',
      message: 'The job was cancelled.',
    });
    expect(toWireError('weird')).toEqual({ code: 'ENGINE_FAILED', message: 'The analysis engine failed: weird' });
  });
});
