import { afterEach, describe, expect, it } from 'vitest';
import { EngineHost } from '../../../src/main/engine-host/host';
import type { Progress } from '../../../src/main/engine-host/protocol';

type TestOps = {
  echo: { args: unknown; result: { echoed: unknown; threadId: number } };
  progress: { args: { steps: number }; result: string };
  slow: { args: Record<string, never>; result: never };
  wasCancelled: { args: { id: number }; result: boolean };
  fail: { args: Record<string, never>; result: never };
  crash: { args: Record<string, never>; result: never };
  throw: { args: Record<string, never>; result: never };
};

const workerPath = new URL('../../fixtures/engine-test-worker.mjs', import.meta.url);
let host: EngineHost<TestOps>;

afterEach(async () => {
  await host?.dispose();
});

describe('EngineHost', () => {
  it('answers requests by id, concurrently', async () => {
    host = new EngineHost<TestOps>({ workerPath });
    const [a, b] = await Promise.all([host.call('echo', { n: 1 }), host.call('echo', [2, 'two'])]);
    expect(a.echoed).toEqual({ n: 1 });
    expect(b.echoed).toEqual([2, 'two']);
    expect(a.threadId).toBe(b.threadId);
    expect(host.pendingCount).toBe(0);
  });

  it('forwards progress messages to the caller', async () => {
    host = new EngineHost<TestOps>({ workerPath });
    const seen: Progress[] = [];
    const result = await host.call('progress', { steps: 4 }, { onProgress: (p) => seen.push(p) });
    expect(result).toBe('done');
    expect(seen.map((p) => p.fraction)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(seen[0].stage).toBe('count');
  });

  it('rejects with the engine error code and message', async () => {
    host = new EngineHost<TestOps>({ workerPath });
    await expect(host.call('fail', {})).rejects.toMatchObject({
      code: 'INVALID_MODEL',
      message: 'That file is not a model.',
    });
  });

  it('cancels by id: the call rejects with CANCELLED and the worker is told', async () => {
    host = new EngineHost<TestOps>({ workerPath });
    const job = host.start('slow', {});
    expect(host.cancel(job.id)).toBe(true);
    await expect(job.result).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(host.cancel(job.id)).toBe(false);
    // The cancel message reached the worker, which stopped the job.
    await expect(host.call('wasCancelled', { id: job.id })).resolves.toBe(true);
    expect(host.pendingCount).toBe(0);
  });

  it('cancels through an AbortSignal', async () => {
    host = new EngineHost<TestOps>({ workerPath });
    const controller = new AbortController();
    const pending = host.call('slow', {}, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });

    const already = new AbortController();
    already.abort();
    await expect(host.call('echo', 1, { signal: already.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('recovers from a crash: pending calls reject clearly, the next call gets a fresh worker', async () => {
    host = new EngineHost<TestOps>({ workerPath });
    const before = await host.call('echo', 'hello');
    const crashed = {
      code: 'ENGINE_CRASHED',
      message: expect.stringMatching(/stopped unexpectedly \(exit code 1\).*try again/),
    };
    await Promise.all([
      expect(host.call('slow', {})).rejects.toMatchObject(crashed),
      expect(host.call('crash', {})).rejects.toMatchObject(crashed),
    ]);
    expect(host.pendingCount).toBe(0);
    const after = await host.call('echo', 'again');
    expect(after.echoed).toBe('again');
    expect(after.threadId).not.toBe(before.threadId);
  });

  it('reports an uncaught worker exception in the crash message', async () => {
    host = new EngineHost<TestOps>({ workerPath });
    await expect(host.call('throw', {})).rejects.toMatchObject({
      code: 'ENGINE_CRASHED',
      message: expect.stringContaining('boom in worker'),
    });
    await expect(host.call('echo', 1)).resolves.toMatchObject({ echoed: 1 });
  });

  it('fails clearly when the worker script does not exist', async () => {
    host = new EngineHost<TestOps>({ workerPath: new URL('../fixtures/no-such-worker.mjs', import.meta.url) });
    await expect(host.call('echo', 1)).rejects.toMatchObject({ code: 'ENGINE_CRASHED' });
  });

  it('dispose() rejects pending calls and a later call starts a new worker', async () => {
    host = new EngineHost<TestOps>({ workerPath });
    const slow = expect(host.call('slow', {})).rejects.toMatchObject({ code: 'CANCELLED' });
    await host.dispose();
    await slow;
    expect(host.running).toBe(false);
    await expect(host.call('echo', 'back')).resolves.toMatchObject({ echoed: 'back' });
  });
});

describe('EngineHost: partial results, generations and kill()', () => {
  type PartialOps = {
    stream: { args: { n: number }; result: { threadId: number }; partial: { i: number; data: Float32Array } };
    hang: { args: Record<string, never>; result: never };
    ping: { args: Record<string, never>; result: { threadId: number } };
  };
  const partialWorker = new URL('./fixtures/partial-worker.mjs', import.meta.url);
  let ph: EngineHost<PartialOps> | undefined;
  afterEach(async () => {
    await ph?.dispose();
  });

  it('forwards partial results (typed arrays intact) before the result', async () => {
    ph = new EngineHost<PartialOps>({ workerPath: partialWorker });
    const seen: { i: number; data: Float32Array }[] = [];
    const result = await ph.call('stream', { n: 3 }, { onPartial: (p) => seen.push(p) });
    expect(seen.map((p) => p.i)).toEqual([0, 1, 2]);
    expect(seen[2].data).toBeInstanceOf(Float32Array);
    expect([...seen[2].data]).toEqual([2, 2.5]);
    expect(typeof result.threadId).toBe('number');
  });

  it('counts worker generations; kill() acts as a crash: pending calls fail, onCrash is told, the next call restarts', async () => {
    const crashes: string[] = [];
    ph = new EngineHost<PartialOps>({ workerPath: partialWorker, onCrash: (m) => crashes.push(m) });
    expect(ph.generation).toBe(0);
    expect(ph.warmUp()).toBe(1);
    expect(ph.warmUp()).toBe(1);
    const first = await ph.call('ping', {});
    const pending = ph.call('hang', {});
    await ph.kill();
    await expect(pending).rejects.toMatchObject({ code: 'ENGINE_CRASHED' });
    expect(crashes).toHaveLength(1);
    expect(crashes[0]).toMatch(/stopped unexpectedly/);
    const second = await ph.call('ping', {});
    expect(second.threadId).not.toBe(first.threadId);
    expect(ph.generation).toBe(2);
  });

  it('dispose() is not a crash', async () => {
    const crashes: string[] = [];
    ph = new EngineHost<PartialOps>({ workerPath: partialWorker, onCrash: (m) => crashes.push(m) });
    await ph.call('ping', {});
    await ph.dispose();
    expect(crashes).toEqual([]);
  });
});
