/**
 * The engine as its own OS process, with real faults: a SIGKILL from outside in the middle of ScoreCAM, a native
 * abort (SIGABRT) from inside, and a memory ceiling. The host process (this test runner, as the web bridge or the
 * app would be) survives each, pending calls fail with one plain sentence, and the next call gets a fresh engine
 * that can run the interrupted job again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineHost, forkedEngine, residentBytes } from '../../../src/main/engine-host/host';
import { engineMemoryLimitMb } from '../../../src/main/engine-host/memory';
import { wasNeverReceived } from '../../../src/main/common/errors';
import type { EngineOps } from '../../../src/main/workbench/ops';
import { randomTinyCnn, tinyCnnOnnx, writeModel } from '../../helpers/tiny-models';

const entry = fileURLToPath(new URL('../../../src/main/workbench/worker.ts', import.meta.url));
const demoImages = fileURLToPath(new URL('../../../resources/demo/images', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'camscope-engine-process-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function newHost(crashes: string[], options: { memoryLimitMb?: number; testHooks?: boolean } = {}): EngineHost<EngineOps> {
  return new EngineHost<EngineOps>({
    spawn: forkedEngine(entry, { execArgv: ['--import', 'tsx'], env: { ...process.env, ...(options.testHooks ? { CAMSCOPE_ENGINE_TEST_HOOKS: '1' } : {}) } }),
    memoryLimitMb: options.memoryLimitMb,
    onCrash: (m) => crashes.push(m),
  });
}

/** A CNN with many channels on 64×64 inputs (the demo images are 28×28, stretched): ScoreCAM runs for seconds. */
const heavyModel = (): string =>
  writeModel('heavy-scorecam', tinyCnnOnnx(randomTinyCnn(3, { inC: 1, h: 32, w: 32, C: 768, K: 10 })), {
    inputSize: [64, 64], resize: 'stretch', mean: [0.5], std: [0.25],
  });

async function openWorkbench(host: EngineHost<EngineOps>, model: string): Promise<void> {
  await host.call('openProject', { path: join(tmp, `p-${Math.random().toString(36).slice(2)}.camscope`) });
  await host.call('loadModel', { path: model, provider: 'cpu', precision: 'fp32', layer: 'auto' });
  await host.call('openDataset', { root: demoImages });
}

describe('the engine in its own process', () => {
  it('runs in another process than its host', async () => {
    const host = newHost([]);
    try {
      await host.call('methods', {});
      expect(host.pid).toBeGreaterThan(0);
      expect(host.pid).not.toBe(process.pid);
    } finally {
      await host.dispose();
    }
  });

  it('a SIGKILL in the middle of ScoreCAM: the call fails in one sentence, the host lives on, the job runs again', async () => {
    const crashes: string[] = [];
    const host = newHost(crashes);
    try {
      const model = heavyModel();
      await openWorkbench(host, model);
      const pid = host.pid!;
      let killedAt: { done: number; total: number } | null = null;
      const job = host.start('explain', { image: 0, classIndex: null, methods: ['scorecam'] }, {
        onPartial: (p) => {
          // The first progress of ScoreCAM's masked passes: kill the engine from outside, as the OS or a user would.
          if (!killedAt && 'stage' in p && p.stage === 'explain' && typeof p.done === 'number' && p.done > 0 && p.done < p.total) {
            killedAt = { done: p.done, total: p.total };
            process.kill(pid, 'SIGKILL');
          }
        },
      });
      const lost = await job.result.catch((e: unknown) => e);
      expect(lost).toMatchObject({
        code: 'ENGINE_CRASHED',
        message: expect.stringMatching(/^The analysis engine stopped unexpectedly \(it was killed\)\. camscope will restart it/),
      });
      // The engine had the job and was working on it: that work is lost, so it is not replayed behind the user's back.
      expect(wasNeverReceived(lost)).toBe(false);
      expect(killedAt).not.toBeNull();
      expect(crashes).toHaveLength(1);
      // The next call starts a fresh engine; with the model and folder reopened, the job completes.
      await openWorkbench(host, model);
      expect(host.pid).not.toBe(pid);
      expect(host.generation).toBe(2);
      const done = await host.call('explain', { image: 0, classIndex: null, methods: ['gradcam'] });
      expect(done).toBeTruthy();
    } finally {
      await host.dispose();
    }
  });

  it('a request sent in the instant after a SIGKILL, before the death is noticed, is marked as never received', async () => {
    const crashes: string[] = [];
    const host = newHost(crashes);
    try {
      await host.call('methods', {});
      const pid = host.pid!;
      process.kill(pid, 'SIGKILL');
      // Same tick: the host cannot have seen the exit yet, so the request goes to the dead process.
      const late = await host.call('methods', {}).catch((e: unknown) => e);
      expect(late).toMatchObject({ code: 'ENGINE_CRASHED' });
      expect(wasNeverReceived(late)).toBe(true);
      expect(crashes).toHaveLength(1);
      await expect(host.call('methods', {})).resolves.toBeInstanceOf(Array);
      expect(host.pid).not.toBe(pid);
    } finally {
      await host.dispose();
    }
  });

  it('a native abort inside the engine (SIGABRT) is a crash of the engine only', async () => {
    const crashes: string[] = [];
    const host = newHost(crashes, { testHooks: true });
    try {
      await host.call('methods', {});
      await expect(host.call('abortForTest', {})).rejects.toMatchObject({ code: 'ENGINE_CRASHED', message: expect.stringMatching(/\(it aborted\)/) });
      expect(crashes).toHaveLength(1);
      await expect(host.call('methods', {})).resolves.toBeInstanceOf(Array);
    } finally {
      await host.dispose();
    }
  });

  it('the abort hook is refused when the engine was started without test hooks', async () => {
    const host = newHost([]);
    try {
      await expect(host.call('abortForTest', {})).rejects.toMatchObject({ message: expect.stringMatching(/without test hooks/) });
    } finally {
      await host.dispose();
    }
  });

  it('past its memory ceiling the engine is stopped with that reason', async () => {
    const crashes: string[] = [];
    // Node with tsx and the engine loaded needs well over 60 MB: loading a model crosses the ceiling.
    const host = newHost(crashes, { memoryLimitMb: 60 });
    try {
      const call = host.call('loadModel', { path: heavyModel(), provider: 'cpu', precision: 'fp32', layer: 'auto' });
      await expect(call).rejects.toMatchObject({ code: 'ENGINE_CRASHED', message: expect.stringMatching(/it used more than 60 MB of memory \(its limit\)/) });
      expect(crashes[0]).toMatch(/more than 60 MB/);
    } finally {
      await host.dispose();
    }
  });

  it('reads resident memory from /proc, and the ceiling from CAMSCOPE_ENGINE_MEMORY_MB', () => {
    const rss = residentBytes(process.pid);
    if (rss !== null) expect(rss).toBeGreaterThan(10 * 2 ** 20);
    expect(engineMemoryLimitMb({ CAMSCOPE_ENGINE_MEMORY_MB: '2048' })).toBe(2048);
    expect(engineMemoryLimitMb({ CAMSCOPE_ENGINE_MEMORY_MB: '0' })).toBeNull();
    expect(engineMemoryLimitMb({})).toBeGreaterThan(100);
  });
});
