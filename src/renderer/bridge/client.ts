/**
 * The web bridge's `window.camscope`: the same CamscopeApi as the Electron preload, over HTTP (requests as JSON,
 * answers in the binary wire envelope) and Server-Sent Events (notifications; those carrying typed arrays are
 * fetched as binary). Served by src/main/web-bridge as /__bridge/client.js, before the app's own script, for tests
 * in a plain browser. It is not part of the app bundle.
 */
import type { CamscopeApi, ChannelName, EventName, Events, IpcResult, RequestOf, ResponseOf } from '../../shared/api';
import { decodeWire } from '../../shared/wire';

interface EventMessage {
  seq: number;
  event: EventName;
  payload?: unknown;
  binary?: boolean;
}

const HEADERS = { 'content-type': 'application/json', 'x-camscope-bridge': '1' };
const listeners = new Map<string, Set<(payload: never) => void>>();
let processed = 0;
const waiters: { seq: number; resolve: () => void }[] = [];
let queue: Promise<void> = Promise.resolve();

function delivered(seq: number): void {
  processed = Math.max(processed, seq);
  for (let i = waiters.length - 1; i >= 0; i--) {
    if (waiters[i].seq <= processed) {
      waiters[i].resolve();
      waiters.splice(i, 1);
    }
  }
}

/** Resolves once every event up to `seq` has been handed to the listeners (or after 5 s, whichever is first). */
function eventsUpTo(seq: number): Promise<void> {
  if (seq <= processed) return Promise.resolve();
  return new Promise((resolve) => {
    const waiter = { seq, resolve };
    waiters.push(waiter);
    setTimeout(() => {
      const i = waiters.indexOf(waiter);
      if (i >= 0) waiters.splice(i, 1);
      resolve();
    }, 5_000);
  });
}

const source = new EventSource('/__bridge/events');
const ready = new Promise<void>((resolve) => {
  source.addEventListener('open', () => resolve(), { once: true });
  setTimeout(resolve, 3_000);
});
source.addEventListener('message', (e: MessageEvent<string>) => {
  const msg = JSON.parse(e.data) as EventMessage;
  if (msg.seq <= processed) return; // a replay after reconnecting
  // One at a time, in order: a binary event's fetch must not let a later event overtake it.
  queue = queue
    .then(async () => {
      let payload = msg.payload;
      if (msg.binary) {
        const res = await fetch(`/__bridge/event/${msg.seq}`, { headers: { 'x-camscope-bridge': '1' } });
        if (!res.ok) return;
        payload = decodeWire(new Uint8Array(await res.arrayBuffer()));
      }
      for (const fn of listeners.get(msg.event) ?? []) {
        try {
          fn(payload as never);
        } catch (err) {
          console.error(`[bridge] listener of ${msg.event} failed`, err);
        }
      }
    })
    .catch((err: unknown) => console.error('[bridge] could not deliver an event', err))
    .finally(() => delivered(msg.seq));
});

async function invoke<C extends ChannelName>(
  channel: C,
  ...payload: RequestOf<C> extends void ? [] : [RequestOf<C>]
): Promise<ResponseOf<C>> {
  await ready;
  const res = await fetch(`/__bridge/invoke/${encodeURIComponent(channel)}`, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify(payload.length ? { payload: payload[0] } : {}),
  });
  const result = decodeWire(new Uint8Array(await res.arrayBuffer())) as IpcResult<ResponseOf<C>>;
  // Events sent before the answer (streamed maps, prediction batches) reach the listeners first, as over IPC.
  await eventsUpTo(Number(res.headers.get('x-camscope-event-seq') ?? 0));
  if (result.ok) return result.value;
  throw Object.assign(new Error(result.error.message), { code: result.error.code });
}

const api: CamscopeApi = {
  invoke,
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => {
      set.delete(listener as (payload: never) => void);
    };
  },
  registerDropped: async () => {
    throw new Error('Dropping files needs the desktop app. Here, use the Open buttons instead.');
  },
};

window.camscope = api;
