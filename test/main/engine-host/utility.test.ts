/** The app's engine host speaks to an Electron utility process (mocked: no Electron binary here) like to any child. */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';

class FakeUtility extends EventEmitter {
  pid: number | undefined = 4242;
  sent: unknown[] = [];
  postMessage(m: unknown): void {
    this.sent.push(m);
  }
  kill = vi.fn();
}
const forks: { entry: string; options: Record<string, unknown>; child: FakeUtility }[] = [];
vi.mock('electron', () => ({
  utilityProcess: {
    fork: (entry: string, _args: string[], options: Record<string, unknown>) => {
      const child = new FakeUtility();
      forks.push({ entry, options, child });
      return child;
    },
  },
}));

const { utilityEngine } = await import('../../../src/main/engine-host/utility');
const { EngineHost } = await import('../../../src/main/engine-host/host');

afterEach(() => {
  forks.length = 0;
  vi.restoreAllMocks();
});

describe('utilityEngine', () => {
  it('forks the engine entry as a utility process and routes calls, results and crashes through EngineHost', async () => {
    const crashes: string[] = [];
    const host = new EngineHost({ spawn: utilityEngine('/app/out/main/engine-worker.js', { maxHeapMb: 4096 }), onCrash: (m) => crashes.push(m) });
    const call = host.call('methods', {});
    expect(forks).toHaveLength(1);
    expect(forks[0].entry).toBe('/app/out/main/engine-worker.js');
    expect(forks[0].options).toMatchObject({ serviceName: 'camscope engine', execArgv: ['--max-old-space-size=4096'] });
    const child = forks[0].child;
    expect(child.sent[0]).toMatchObject({ type: 'call', op: 'methods' });
    child.emit('message', { type: 'result', id: (child.sent[0] as { id: number }).id, value: ['gradcam'] });
    await expect(call).resolves.toEqual(['gradcam']);
    expect(host.pid).toBe(4242);

    // V8's fatal error then the exit: the pending call fails with that reason and the app is told.
    const pending = host.call('methods', {});
    child.emit('error', 'FatalError', 'heap', '');
    child.emit('exit', 133);
    await expect(pending).rejects.toMatchObject({ code: 'ENGINE_CRASHED', message: expect.stringMatching(/stopped unexpectedly: it hit a fatal FatalError \(often: out of memory\)/) });
    expect(crashes).toHaveLength(1);
    // The next call forks a fresh engine.
    void host.call('methods', {}).catch(() => {});
    expect(forks).toHaveLength(2);
  });

  it('kill() is a hard kill of the engine process, not a polite request', async () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    const host = new EngineHost({ spawn: utilityEngine('/e.js') });
    void host.call('methods', {}).catch(() => {});
    const killed = host.kill();
    expect(kill).toHaveBeenCalledWith(4242, 'SIGKILL');
    forks[0].child.emit('exit', null);
    await killed;
  });
});
