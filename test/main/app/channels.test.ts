// Every channel of the contract, registered on a mocked ipcMain: a well-formed request reaches its handler, and
// malformed ones are refused with a readable INVALID_REQUEST before any handler runs.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNEL_NAMES, MAX_FIGURE_IMAGES, MAX_SANITY_IMAGES, MAX_THUMBNAILS_PER_REQUEST, type ChannelName } from '../../../src/shared/api';

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
const calls: [string, unknown][] = [];

beforeAll(() => {
  setTrustedRenderer({ rendererDir });
  const handlers = Object.fromEntries(
    CHANNEL_NAMES.map((name) => [name, (payload: unknown) => (calls.push([name, payload]), { echoed: payload })]),
  );
  registerHandlers(handlers as never);
});

const invoke = (channel: string, ...args: unknown[]) => registered.get(channel)!(event, ...args);

/** For each channel: a valid payload (undefined = none), and invalid payloads with the expected complaint. */
const cases: Record<ChannelName, { valid: unknown; invalid: [unknown, RegExp][] }> = {
  'app:version': { valid: undefined, invalid: [[{}, /must be empty/]] },
  'settings:get': { valid: undefined, invalid: [['x', /must be empty/]] },
  'settings:set': {
    valid: { theme: 'dark', precision: 'fp16' },
    invalid: [
      [{ theme: 'blue' }, /theme must be one of "system", "light", "dark"/],
      [{ provider: 'tpu' }, /provider must be one of/],
      [{ precision: 'fp64' }, /precision must be one of "fp32", "fp16"/],
      [{ zoom: 2 }, /unexpected field "zoom"/],
    ],
  },
  'methods:list': { valid: undefined, invalid: [[1, /must be empty/]] },
  'model:inspect': { valid: { path: '/m.onnx' }, invalid: [[{ path: '' }, /must not be empty/]] },
  'demo:inspect': { valid: undefined, invalid: [[{ path: '/etc/passwd' }, /must be empty/]] },
  'dialog:openModel': { valid: undefined, invalid: [[{ defaultPath: '/' }, /must be empty/]] },
  'dialog:openFolder': { valid: undefined, invalid: [[{ defaultPath: '/' }, /must be empty/]] },
  'dialog:openProject': { valid: undefined, invalid: [[{ defaultPath: '/' }, /must be empty/]] },
  'drop:register': { valid: { path: '/x' }, invalid: [[{ path: 'a\0b' }, /NUL/], [{}, /path is missing/]] },
  'model:load': {
    valid: { path: '/m.onnx', provider: 'cuda', precision: 'fp16', layer: 'relu_3' },
    invalid: [
      [{ path: '/m.onnx', provider: 'npu' }, /provider must be one of "cpu", "webgpu", "cuda"/],
      [{ path: '/m.onnx', precision: 'bf16' }, /precision must be one of "fp32", "fp16"/],
      [{ path: '/m.onnx', precision: 16 }, /precision must be one of/],
      [{ path: '/m.onnx', layer: '' }, /layer must not be empty/],
    ],
  },
  'demo:open': { valid: undefined, invalid: [[{}, /must be empty/]] },
  'dataset:open': { valid: { root: '/data' }, invalid: [[{ root: 7 }, /root must be text/], [{ root: '/d', labels: '/etc/passwd' }, /unexpected field "labels"/]] },
  'dataset:thumbnails': {
    valid: { indices: [0, 1, 2] },
    invalid: [
      [{ indices: [] }, /at least 1 item/],
      [{ indices: [1.5] }, /whole number/],
      [{ indices: [-1] }, /at least 0/],
      [{ indices: [3, 3] }, /same item twice/],
      [{ indices: Array.from({ length: MAX_THUMBNAILS_PER_REQUEST + 1 }, (_, i) => i) }, /at most 400 items/],
    ],
  },
  'predictions:run': { valid: { jobId: 'p-1' }, invalid: [[{ jobId: 'has space' }, /a job id/], [{ jobId: 'x'.repeat(65) }, /a job id/]] },
  'image:explain': {
    valid: { jobId: 'e-1', image: 4, classIndex: null, methods: ['gradcam', 'scorecam++'] },
    invalid: [
      [{ jobId: 'e-1', image: 4, classIndex: null, methods: [] }, /at least 1 item/],
      [{ jobId: 'e-1', image: 4, classIndex: null, methods: ['../../etc'] }, /a method id/],
      [{ jobId: 'e-1', image: 4, classIndex: 'dog', methods: ['gradcam'] }, /classIndex must be a finite number/],
      [{ jobId: 'e-1', image: 4, methods: ['gradcam'] }, /classIndex is missing/],
      [{ jobId: 'e-1', image: 4, classIndex: null, methods: ['gradcam', 'gradcam'] }, /same item twice/],
    ],
  },
  'image:faithfulness': {
    valid: { jobId: 'f-1', image: 0, classIndex: 2, methods: ['gradcam'] },
    invalid: [[{ jobId: 'f-1', image: -3, classIndex: 2, methods: ['gradcam'] }, /image must be at least 0/]],
  },
  'model:sweepLayers': {
    valid: { jobId: 's-1', image: 0, classIndex: null, count: 6 },
    invalid: [
      [{ jobId: 's-1', image: 0, classIndex: null, count: 13 }, /count must be at most 12/],
      [{ jobId: 's-1', image: 0, classIndex: null }, /count/],
    ],
  },
  'sanity:run': {
    valid: { jobId: 'sc-1', methods: ['gradcam'], images: { sample: 3 }, mode: 'cascading', seed: 0 },
    invalid: [
      [{ jobId: 'sc-1', methods: ['gradcam'], images: { sample: 0 }, mode: 'cascading', seed: 0 }, /images\.sample must be at least 1/],
      [{ jobId: 'sc-1', methods: ['gradcam'], images: { sample: MAX_SANITY_IMAGES + 1 }, mode: 'cascading', seed: 0 }, /images\.sample must be at most 100/],
      [{ jobId: 'sc-1', methods: ['gradcam'], images: { indices: [] }, mode: 'cascading', seed: 0 }, /images\.indices must have at least 1 item/],
      [{ jobId: 'sc-1', methods: ['gradcam'], images: { indices: [2, 2] }, mode: 'cascading', seed: 0 }, /same item twice/],
      [{ jobId: 'sc-1', methods: ['gradcam'], images: { indices: [1], sample: 3 }, mode: 'cascading', seed: 0 }, /unexpected field "sample"/],
      [{ jobId: 'sc-1', methods: ['gradcam'], images: [0, 1], mode: 'cascading', seed: 0 }, /images must be an object, not a list/],
      [{ jobId: 'sc-1', methods: ['gradcam'], images: { sample: 3 }, mode: 'shuffled', seed: 0 }, /mode must be one of "cascading", "independent", "random-class"/],
      [{ jobId: 'sc-1', methods: ['gradcam'], images: { sample: 3 }, mode: 'cascading', seed: 0, dir: '/etc' }, /unexpected field "dir"/],
      [{ jobId: 'sc-1', methods: [], images: { sample: 3 }, mode: 'cascading', seed: 0 }, /at least 1 item/],
    ],
  },
  'export:open': { valid: { path: '/out/fig/figure.png' }, invalid: [[{ path: '' }, /path/]] },
  'export:showInFolder': { valid: { path: '/out/fig/figure.png' }, invalid: [[{}, /path/]] },
  'job:cancel': { valid: { jobId: 'p-1' }, invalid: [[{ id: 3 }, /unexpected field "id"/]] },
  'project:current': { valid: undefined, invalid: [[{}, /must be empty/]] },
  'project:open': { valid: { path: '/p.camscope' }, invalid: [[{ path: null }, /must be text, not null/]] },
  'project:saveAs': { valid: undefined, invalid: [[{ path: '/etc/x' }, /must be empty/]] },
  'project:recent': { valid: undefined, invalid: [[[], /must be empty/]] },
  'annotations:list': { valid: {}, invalid: [[{ image: '' }, /image must not be empty/]] },
  'annotations:add': {
    valid: { image: 'cat/1.jpg', kind: 'rect', label: 'ear', note: '', points: [[1, 2], [3, 4]], imageSize: { width: 10, height: 10 } },
    invalid: [
      [{ image: 'cat/1.jpg', kind: 'circle', label: 'ear', note: '', points: [[1, 2]], imageSize: { width: 10, height: 10 } }, /kind must be one of "rect", "polygon", "point"/],
      [{ image: 'cat/1.jpg', kind: 'point', label: 'ear', note: '', points: [[1]], imageSize: { width: 10, height: 10 } }, /points\[0\] must have at least 2 items/],
      [{ image: 'cat/1.jpg', kind: 'point', label: 'ear', note: '', points: [[1, Number.NaN]], imageSize: { width: 10, height: 10 } }, /must be a finite number, not NaN/],
      [{ image: 'cat/1.jpg', kind: 'point', label: 'x'.repeat(201), note: '', points: [[1, 1]], imageSize: { width: 10, height: 10 } }, /label must be at most 200/],
      [{ image: 'cat/1.jpg', kind: 'point', label: 'a', note: '', points: [[1, 1]], imageSize: { width: 0, height: 10 } }, /width must be at least 1/],
    ],
  },
  'annotations:update': { valid: { id: 3, label: 'ear' }, invalid: [[{ id: 0 }, /id must be at least 1/], [{ id: 1, kind: 'rect' }, /unexpected field "kind"/]] },
  'annotations:delete': { valid: { id: 3 }, invalid: [[{ id: '3' }, /must be a finite number, not a string/]] },
  'annotations:exportCoco': { valid: undefined, invalid: [[{ dest: '/etc/passwd' }, /must be empty/]] },
  'regions:import': {
    valid: { from: 'folder' },
    invalid: [[{ from: 'path' }, /from must be one of "file", "folder"/], [{ from: 'file', path: '/etc/passwd' }, /unexpected field "path"/]],
  },
  'regions:agreement': {
    valid: { image: 3, classIndex: null, methods: ['gradcam', 'random'] },
    invalid: [[{ image: -1, classIndex: null, methods: ['gradcam'] }, /image must be at least 0/], [{ image: 0, classIndex: null, methods: [] }, /methods must have at least 1/]],
  },
  'evaluation:run': {
    valid: { jobId: 'ev-1', methods: ['gradcam'], sample: 20, seed: 0, score: 'prob' },
    invalid: [
      [{ jobId: 'ev-1', methods: ['gradcam'], sample: 0, seed: 0, score: 'prob' }, /sample must be at least 1/],
      [{ jobId: 'ev-1', methods: ['gradcam'], sample: null, seed: -1, score: 'prob' }, /seed must be at least 0/],
      [{ jobId: 'ev-1', methods: ['gradcam'], sample: null, seed: 0, score: 'softmax' }, /score must be one of "prob", "logit"/],
      [{ jobId: 'ev-1', methods: ['gradcam'], sample: 20, seed: 0, score: 'prob', projectPath: '/tmp/x' }, /unexpected field "projectPath"/],
    ],
  },
  'evaluation:list': { valid: undefined, invalid: [[{}, /must be empty/]] },
  'compare:open': { valid: undefined, invalid: [[{ path: '/b.onnx' }, /must be empty/]] },
  'compare:model': { valid: undefined, invalid: [[{}, /must be empty/]] },
  'compare:close': { valid: undefined, invalid: [[{}, /must be empty/]] },
  'compare:last': { valid: undefined, invalid: [[{}, /must be empty/]] },
  'compare:image': {
    valid: { jobId: 'ci-1', image: 3, classIndex: null, methods: ['gradcam'] },
    invalid: [[{ jobId: 'ci-1', image: -1, classIndex: null, methods: ['gradcam'] }, /image must be at least 0/], [{ jobId: 'ci-1', image: 0, classIndex: null, methods: [] }, /methods must have at least 1/]],
  },
  'compare:run': {
    valid: { jobId: 'cr-1', methods: ['gradcam'], sample: null, seed: 0 },
    invalid: [
      [{ jobId: 'cr-1', methods: ['gradcam'], sample: 0, seed: 0 }, /sample must be at least 1/],
      [{ jobId: 'cr-1', methods: ['gradcam'], sample: null, seed: 0, model: '/b.onnx' }, /unexpected field "model"/],
    ],
  },
  'cache:usage': { valid: undefined, invalid: [[{}, /must be empty/]] },
  'cache:clear': { valid: undefined, invalid: [[{}, /must be empty/]] },
  'classes:get': { valid: undefined, invalid: [[{}, /must be empty/]] },
  'model:intensity': {
    valid: { mapping: 'window:40,400' },
    invalid: [
      [{ mapping: '' }, /mapping must not be empty/],
      [{ mapping: 'window:40:400' }, /an intensity mapping such as/],
      [{}, /mapping/],
    ],
  },
  'classes:set': {
    valid: { names: ['tabby', 'beagle'] },
    invalid: [
      [{ names: ['tabby', ''] }, /names\[1\] must not be empty/],
      [{ names: ['x'.repeat(101)] }, /at most 100 characters/],
      [{ names: [] }, /at least 1 item/],
      [{ names: ['a'], fingerprint: 'f' }, /unexpected field "fingerprint"/],
    ],
  },
  'evaluation:get': { valid: { id: 1 }, invalid: [[{ id: 1.5 }, /whole number/]] },
  'export:figure': {
    valid: { jobId: 'x-1', images: [0, 1], methods: ['gradcam'], classIndex: null, colormap: 'viridis', opacity: 0.4 },
    invalid: [
      [{ jobId: 'x-1', images: [0], methods: ['gradcam'], classIndex: null, colormap: 'rainbow', opacity: 0.4 }, /colormap must be one of/],
      [{ jobId: 'x-1', images: [0], methods: ['gradcam'], classIndex: null, colormap: 'jet', opacity: 1.5 }, /opacity must be at most 1/],
      [{ jobId: 'x-1', images: Array.from({ length: MAX_FIGURE_IMAGES + 1 }, (_, i) => i), methods: ['gradcam'], classIndex: null, colormap: 'jet', opacity: 0.5 }, /at most 24 items/],
      [{ jobId: 'x-1', images: [0], methods: ['gradcam'], classIndex: null, colormap: 'jet', opacity: 0.5, dir: '/etc' }, /unexpected field "dir"/],
    ],
  },
  'export:report': {
    valid: { jobId: 'x-2', evaluationId: 1, figureImages: [], colormap: 'jet', opacity: 0.5 },
    invalid: [[{ jobId: 'x-2', evaluationId: 1, colormap: 'jet', opacity: 0.5 }, /figureImages is missing/]],
  },
};

describe('every channel validates its request before its handler runs', () => {
  it('covers the whole contract', () => {
    expect(Object.keys(cases).sort()).toEqual([...CHANNEL_NAMES].sort());
    expect([...registered.keys()].sort()).toEqual([...CHANNEL_NAMES].sort());
  });

  for (const name of CHANNEL_NAMES) {
    it(name, async () => {
      const { valid, invalid } = cases[name];
      calls.length = 0;
      const ok = await (valid === undefined ? invoke(name) : invoke(name, valid));
      expect(ok).toEqual({ ok: true, value: { echoed: valid } });
      expect(calls).toEqual([[name, valid]]);
      for (const [payload, message] of invalid) {
        const result = await invoke(name, payload);
        expect(result).toEqual({ ok: false, error: { code: 'INVALID_REQUEST', message: expect.stringMatching(message) } });
      }
      expect(calls).toHaveLength(1);
    });
  }
});
