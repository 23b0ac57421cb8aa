/**
 * The engine as an Electron utility process (the app's engine host). The same entry as the web bridge's forked
 * process; a crash, abort, OOM or kill there is reported by EngineHost and never takes the app or its window down.
 */
import { utilityProcess } from 'electron';
import type { EngineChild, SpawnEngine } from './host';

export function utilityEngine(entry: string, options: { maxHeapMb?: number } = {}): SpawnEngine {
  return (): EngineChild => {
    const child = utilityProcess.fork(entry, [], {
      serviceName: 'camscope engine',
      stdio: 'inherit',
      execArgv: options.maxHeapMb ? [`--max-old-space-size=${options.maxHeapMb}`] : [],
    });
    let exited = false;
    child.once('exit', () => (exited = true));
    return {
      get pid() {
        return child.pid ?? null;
      },
      postMessage: (msg) => {
        if (!exited) child.postMessage(msg);
      },
      onMessage: (listener) => void child.on('message', listener),
      onExit: (listener) => void child.once('exit', (code) => listener(code, null)),
      // V8 reports an unrecoverable error (e.g. out of heap) just before the exit: it explains the exit.
      onError: (listener) => void child.on('error', (type: string) => listener(new Error(`it hit a fatal ${type} (often: out of memory)`))),
      // The app's event loop lives as long as its windows; nothing to (un)reference.
      setRef: () => {},
      kill: () => {
        // A hard kill, as a crash would end it (utilityProcess.kill() asks politely).
        if (child.pid) process.kill(child.pid, 'SIGKILL');
        else child.kill();
      },
    };
  };
}
