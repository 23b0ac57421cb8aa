// Validation fuzzing of every IPC channel (fast-check): hostile payloads, random or made from a valid request by one
// mutation (a gap in a list, NaN or ±Infinity, an extra or missing field, a strange value anywhere), go through the
// real registration on a mocked ipcMain. Each is either refused with INVALID_REQUEST before its handler runs, or
// accepted as a clean value (dense lists, finite numbers, plain objects) that is exactly what the handler receives
// and that validates to itself again. A payload holding a gap or a non-finite number anywhere is always refused.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNEL_NAMES, channels, type ChannelName } from '../../../src/shared/api';

const registered = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, fn: (event: unknown, ...args: unknown[]) => Promise<unknown>) => registered.set(channel, fn),
    removeHandler: (channel: string) => registered.delete(channel),
  },
}));

const { registerHandlers, setTrustedRenderer } = await import('../../../src/main/app/ipc');

const rendererDir = path.resolve('/opt/camscope/out/renderer');
const event = { senderFrame: { url: pathToFileURL(path.join(rendererDir, 'index.html')).href, parent: null }, sender: {} };
const received: unknown[] = [];

beforeAll(() => {
  setTrustedRenderer({ rendererDir });
  const handlers = Object.fromEntries(CHANNEL_NAMES.map((name) => [name, (payload: unknown) => (received.push(payload), 'handled')]));
  registerHandlers(handlers as never);
});

/** A valid request of each channel with every optional field present (undefined: the channel takes none). */
const VALID: Record<ChannelName, unknown> = {
  'app:version': undefined,
  'settings:get': undefined,
  'settings:set': { theme: 'dark', provider: 'cpu', precision: 'fp16' },
  'methods:list': undefined,
  'model:inspect': { path: '/m.onnx' },
  'demo:inspect': undefined,
  'dialog:openModel': undefined,
  'dialog:openFolder': undefined,
  'dialog:openProject': undefined,
  'drop:register': { path: '/x' },
  'model:load': { path: '/m.onnx', provider: 'cuda', precision: 'fp32', layer: 'relu_3' },
  'demo:open': undefined,
  'dataset:open': { root: '/data' },
  'dataset:thumbnails': { indices: [0, 1, 2] },
  'predictions:run': { jobId: 'p-1' },
  'image:explain': { jobId: 'e-1', image: 4, classIndex: 3, methods: ['gradcam', 'scorecam++'] },
  'image:faithfulness': { jobId: 'f-1', image: 0, classIndex: null, methods: ['gradcam'] },
  'model:sweepLayers': { jobId: 's-1', image: 0, classIndex: null, count: 6 },
  'sanity:run': { jobId: 'sc-1', methods: ['gradcam'], images: { indices: [0, 3] }, mode: 'random-class', seed: 5 },
  'export:open': { path: '/out/fig/figure.png' },
  'export:showInFolder': { path: '/out/fig/figure.png' },
  'job:cancel': { jobId: 'p-1' },
  'project:current': undefined,
  'project:open': { path: '/p.camscope' },
  'project:saveAs': undefined,
  'project:recent': undefined,
  'annotations:list': { image: 'cat/1.jpg' },
  'annotations:add': { image: 'cat/1.jpg', kind: 'polygon', label: 'ear', note: 'n', points: [[1, 2], [3, 4], [5, 6.5]], imageSize: { width: 10, height: 12 } },
  'annotations:update': { id: 3, label: 'ear', note: '', points: [[1, 2], [3, 4]] },
  'annotations:delete': { id: 3 },
  'annotations:exportCoco': undefined,
  'regions:import': { from: 'file' },
  'regions:agreement': { image: 2, classIndex: 1, methods: ['gradcam'] },
  'evaluation:run': { jobId: 'ev-1', methods: ['gradcam'], sample: 20, seed: 7, score: 'logit' },
  'evaluation:list': undefined,
  'compare:open': undefined,
  'compare:model': undefined,
  'compare:close': undefined,
  'compare:last': undefined,
  'compare:image': { jobId: 'ci-1', image: 2, classIndex: null, methods: ['gradcam'] },
  'compare:run': { jobId: 'cr-1', methods: ['gradcam'], sample: 10, seed: 1 },
  'cache:usage': undefined,
  'cache:clear': undefined,
  'classes:get': undefined,
  'classes:set': { names: ['tabby', 'beagle'] },
  'model:intensity': { mapping: 'percentile:0.5,99.5' },
  'evaluation:get': { id: 1 },
  'export:figure': { jobId: 'x-1', images: [0, 1], methods: ['gradcam'], classIndex: null, colormap: 'viridis', opacity: 0.4 },
  'export:report': { jobId: 'x-2', evaluationId: 1, figureImages: [2], colormap: 'jet', opacity: 0.5 },
};

/** Is the value what a validator may hand to a handler: dense arrays, finite numbers, plain objects, no oddities? */
function cleanProblem(v: unknown, at = 'payload'): string | null {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return null;
  if (typeof v === 'number') return Number.isFinite(v) ? null : `${at} is ${v}`;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return `${at} is not a plain list`;
    for (let i = 0; i < v.length; i++) {
      if (!Object.hasOwn(v, i)) return `${at}[${i}] is a gap`;
      const p = cleanProblem(v[i], `${at}[${i}]`);
      if (p) return p;
    }
    return Reflect.ownKeys(v).length === v.length + 1 ? null : `${at} has extra properties`;
  }
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype) return `${at} is not a plain object`;
    for (const k of Reflect.ownKeys(v)) {
      if (typeof k !== 'string') return `${at} has a symbol key`;
      const p = cleanProblem((v as Record<string, unknown>)[k], `${at}.${k}`);
      if (p) return p;
    }
    return null;
  }
  return `${at} is a ${typeof v}`;
}

/** Does the value hold, anywhere a validator looks, a gap in a list or a number that is not finite? */
function holdsGapOrNonFinite(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!Object.hasOwn(v, i) || holdsGapOrNonFinite(v[i])) return true;
    return false;
  }
  if (v !== null && typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return false; // Maps, dates, boxed values: refused anyway
    return Object.values(v).some(holdsGapOrNonFinite);
  }
  return false;
}

const anythingHostile = fc.anything({
  maxDepth: 3,
  withSparseArray: true,
  withNullPrototype: true,
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withDate: true,
  withTypedArray: true,
  withBigInt: true,
});

const hostileLeaf = fc.oneof(
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 2 ** 53, -1, 1e308, Number.MIN_VALUE, 0.5, undefined, null, '', '\0', 'x'.repeat(40_000)),
  fc.constantFrom(new Array(2), [, 1], [[, ,], [, ,]], [1, , 2], Object.create(null) as object, { __proto__: null, path: '/x' }),
  fc.double(),
  fc.sparseArray(fc.oneof(fc.double(), fc.integer()), { maxLength: 6 }),
  anythingHostile,
);

type Mutation =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'gap'; at: number; index: number }
  | { kind: 'stretch'; at: number; by: number }
  | { kind: 'extraKey'; at: number; key: string; value: unknown }
  | { kind: 'dropKey'; at: number; index: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(40), value: hostileLeaf }),
  fc.record({ kind: fc.constant('gap' as const), at: fc.nat(40), index: fc.nat(8) }),
  fc.record({ kind: fc.constant('stretch' as const), at: fc.nat(40), by: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('extraKey' as const), at: fc.nat(40), key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString')), value: hostileLeaf }),
  fc.record({ kind: fc.constant('dropKey' as const), at: fc.nat(40), index: fc.nat(8) }),
);

/** Deep copy of a JSON-like valid payload. */
const copy = (v: unknown): unknown => (v === undefined ? undefined : structuredClone(v));

/** Applies one mutation at the node numbered `at` (pre-order, modulo the node count); returns the new root. */
function mutate(root: unknown, m: Mutation): unknown {
  const nodes: { value: unknown; set: (v: unknown) => void }[] = [];
  let out = root;
  const visit = (value: unknown, set: (v: unknown) => void): void => {
    nodes.push({ value, set });
    if (Array.isArray(value)) value.forEach((item, i) => visit(item, (v) => (value[i] = v)));
    else if (value !== null && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      for (const k of Object.keys(o)) visit(o[k], (v) => (o[k] = v));
    }
  };
  visit(root, (v) => (out = v));
  const node = nodes[m.at % nodes.length];
  const target = node.value;
  switch (m.kind) {
    case 'replace':
      node.set(m.value);
      break;
    case 'gap':
      if (Array.isArray(target) && target.length > 0) delete target[m.index % target.length];
      else node.set([, target]);
      break;
    case 'stretch':
      if (Array.isArray(target)) target.length += m.by;
      else node.set(new Array(m.by));
      break;
    case 'extraKey':
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
        Object.defineProperty(target, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
      } else node.set({ [m.key]: m.value });
      break;
    case 'dropKey':
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
        const keys = Object.keys(target);
        if (keys.length) delete (target as Record<string, unknown>)[keys[m.index % keys.length]];
      } else node.set(undefined);
      break;
  }
  return out;
}

async function check(name: ChannelName, payload: unknown): Promise<void> {
  received.length = 0;
  const problemBefore = holdsGapOrNonFinite(payload);
  const result = (await registered.get(name)!(event, payload)) as
    | { ok: true; value: unknown }
    | { ok: false; error: { code: string; message: string } };
  if (result.ok) {
    expect(problemBefore, `${name} accepted a payload with a gap or a non-finite number`).toBe(false);
    expect(received).toHaveLength(1);
    const value = received[0];
    // Nothing at all is what channels without a payload accept; anything else must be clean.
    if (value !== undefined) expect(cleanProblem(value)).toBeNull();
    else expect(VALID[name]).toBeUndefined();
    // What the handler got validates to itself (nothing left to strip or coerce).
    expect(channels[name].request(value)).toEqual(value);
  } else {
    expect(received).toHaveLength(0);
    expect(result.error.code).toBe('INVALID_REQUEST');
    expect(result.error.message.startsWith(`camscope could not understand the request "${name}": payload`)).toBe(true);
    expect(result.error.message.length).toBeLessThan(1_000);
  }
}

describe('IPC validation fuzzing', () => {
  it('has a valid request for every channel, which is accepted unchanged', async () => {
    expect(Object.keys(VALID).sort()).toEqual([...CHANNEL_NAMES].sort());
    for (const name of CHANNEL_NAMES) {
      received.length = 0;
      const payload = copy(VALID[name]);
      await expect(registered.get(name)!(event, ...(payload === undefined ? [] : [payload]))).resolves.toEqual({ ok: true, value: 'handled' });
      expect(received).toEqual([VALID[name]]);
    }
  });

  for (const name of CHANNEL_NAMES) {
    it(`${name}: one hostile mutation of a valid request`, async () => {
      await fc.assert(
        fc.asyncProperty(mutation, async (m) => check(name, mutate(copy(VALID[name]), m))),
        { numRuns: 150 },
      );
    });

    it(`${name}: arbitrary hostile values`, async () => {
      await fc.assert(fc.asyncProperty(anythingHostile, async (payload) => check(name, payload)), { numRuns: 100 });
    });
  }

  it('refuses the sparse and non-finite payloads found in the wild', async () => {
    const add = VALID['annotations:add'] as Record<string, unknown>;
    const refused = async (name: ChannelName, payload: unknown, message: RegExp) => {
      received.length = 0;
      await expect(registered.get(name)!(event, payload)).resolves.toEqual({ ok: false, error: { code: 'INVALID_REQUEST', message: expect.stringMatching(message) } });
      expect(received).toHaveLength(0);
    };
    // Stored as [[null,null],[null,null]] before: every point a pair of gaps.
    await refused('annotations:add', { ...add, points: [new Array(2), new Array(2)] }, /points\[0\]\[0\] is missing \(the list has a gap\)/);
    await refused('annotations:add', { ...add, points: [[1, 2], , [3, 4]] }, /points\[1\] is missing/);
    await refused('annotations:update', { id: 1, points: new Array(3) }, /points\[0\] is missing/);
    await refused('dataset:thumbnails', { indices: [1, , 3] }, /indices\[1\] is missing/);
    await refused('annotations:add', { ...add, points: [[1, Infinity]] }, /must be a finite number, not a number/);
    await refused('annotations:add', { ...add, imageSize: { width: Infinity, height: 1 } }, /width must be a finite number/);
    await refused('export:figure', { ...(VALID['export:figure'] as object), opacity: Number.NaN }, /opacity must be a finite number, not NaN/);
    await refused('evaluation:run', { ...(VALID['evaluation:run'] as object), seed: -Infinity }, /seed must be a finite number/);
  });
});
