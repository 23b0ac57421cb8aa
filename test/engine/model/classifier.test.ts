import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMethod } from '../../../src/main/engine/methods/registry';
import { describe, expect, it } from 'vitest';
import { Classifier, inspectModel } from '../../../src/main/engine/model/classifier';
import {
  encode, initializer, mulberry32, node, randomArray, randomTinyCnn, tinyCnnForward, tinyCnnOnnx, valueInfo, writeModel,
} from '../../helpers/tiny-models';
import { hasShared, RESNET18 } from '../../helpers/shared';

const DIMS = { inC: 3, h: 3, w: 4, C: 5, K: 3 };

describe('model analysis', () => {
  it('lists 4-D spatial node outputs with shapes and picks the last activation before pooling', async () => {
    const path = writeModel('tiny-pool', tinyCnnOnnx(randomTinyCnn(1, DIMS), { extraPool: true }));
    const info = await inspectModel(path);
    expect(info.candidateLayers.map((c) => [c.name, c.opType, c.shape])).toEqual([
      ['conv_out', 'Conv', [1, 5, 3, 4]],
      ['relu_out', 'Relu', [1, 5, 3, 4]],
      ['pool_out', 'MaxPool', [1, 5, 3, 4]],
    ]);
    expect(info.defaultLayer).toBe('relu_out');
    expect(info.numClasses).toBe(3);
    expect(info.inputs).toEqual([{ name: 'input', type: 'float32', shape: ['N', 3, 6, 8] }]);
    expect(info.fingerprint).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
    // No sidecar: torchvision defaults, generic class names, size from the model's fixed input.
    expect(info.profile).toMatchObject({ inputSize: [6, 8], channels: 3, resize: 'shorter-side-crop', mean: [0.485, 0.456, 0.406], layer: 'auto' });
    expect(info.profile.classes).toEqual(['class 0', 'class 1', 'class 2']);
    expect(info.profileSource).toBeNull();
  });

  it('reads class names and preprocessing from the sidecar JSON', async () => {
    const path = writeModel('tiny-sidecar', tinyCnnOnnx(randomTinyCnn(1, DIMS)), {
      classes: ['a', 'b', 'c'], resize: 'stretch', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], layer: 'conv_out',
    });
    const info = await inspectModel(path);
    expect(info.profile).toMatchObject({ classes: ['a', 'b', 'c'], resize: 'stretch', mean: [0.5, 0.5, 0.5], layer: 'conv_out' });
    expect(info.profileSource).toMatch(/tiny-sidecar\.json$/);
    const c = await Classifier.load(path);
    expect(c.layer.name).toBe('conv_out');
    await c.release();
  });

  it.each([
    [{ classes: ['a', 'b'] }, /names 2 classes but the model outputs 3/],
    [{ inputSize: [10, 10] }, /fixed at 6x8/],
    [{ mean: [0.5] }, /"mean" must be a list of 3 numbers/],
    [{ std: [1, 0, 1] }, /"std" values must be positive/],
    [{ resize: 'zoom' }, /"resize" must be one of/],
  ])('rejects an inconsistent sidecar %j with a specific message', async (sidecar, message) => {
    const path = writeModel('tiny-badsidecar', tinyCnnOnnx(randomTinyCnn(1, DIMS)), sidecar);
    await expect(inspectModel(path)).rejects.toMatchObject({ code: 'INVALID_PROFILE', message: expect.stringMatching(message) });
  });

  it('rejects a sidecar that is not JSON', async () => {
    const path = writeModel('tiny-notjson', tinyCnnOnnx(randomTinyCnn(1, DIMS)));
    writeFileSync(path.replace(/\.onnx$/, '.json'), '{ classes: nope');
    await expect(inspectModel(path)).rejects.toMatchObject({ code: 'INVALID_PROFILE', message: expect.stringMatching(/not valid JSON/) });
  });

  it('handles a dynamic input size from the sidecar and a grayscale model', async () => {
    const m = randomTinyCnn(4, { ...DIMS, inC: 1 });
    const bytes = encode({
      node: [
        node('Conv', ['input', 'conv.w', 'conv.b'], ['conv_out'], { kernel_shape: [2, 2], strides: [2, 2] }),
        node('Relu', ['conv_out'], ['relu_out']),
        node('GlobalAveragePool', ['relu_out'], ['gap_out']),
        node('Flatten', ['gap_out'], ['flat_out']),
        node('Gemm', ['flat_out', 'fc.w', 'fc.b'], ['logits'], { transB: 1 }),
      ],
      input: [valueInfo('input', ['N', 1, 'H', 'W'])],
      output: [valueInfo('logits', ['N', 3])],
      initializer: [initializer('conv.w', [5, 1, 2, 2], m.convW), initializer('conv.b', [5], m.convB), initializer('fc.w', [3, 5], m.fcW), initializer('fc.b', [3], m.fcB)],
    });
    const path = writeModel('tiny-gray-dynamic', bytes, { inputSize: [10, 12] });
    const c = await Classifier.load(path);
    expect(c.profile.channels).toBe(1);
    expect(c.profile.mean).toHaveLength(1);
    expect(c.layer.shape).toEqual([1, 5, 5, 6]);
    await c.release();
  });

  it('runs a model with a fixed batch size in padded chunks, matching an independent forward pass', async () => {
    const m = randomTinyCnn(2, DIMS);
    const c = await Classifier.load(writeModel('tiny-batch2', tinyCnnOnnx(m, { batch: 2 })));
    const x = randomArray(3 * 3 * 6 * 8, mulberry32(3), 2);
    const { logits, activations } = await c.forward(x, 3, true);
    for (let i = 0; i < 3; i++) {
      const want = tinyCnnForward(m, x.subarray(i * 144, (i + 1) * 144));
      want.logits.forEach((v, k) => expect(logits[i * 3 + k]).toBeCloseTo(v, 4));
      want.acts.flat().forEach((v, j) => expect(activations![i * 60 + j]).toBeCloseTo(v, 4));
    }
    await c.release();
  });

  it('chooses a batch size from the bytes one image needs and the free memory', async () => {
    const c = await Classifier.load(writeModel('tiny-bs', tinyCnnOnnx(randomTinyCnn(1, DIMS))));
    // input 3·6·8 + conv 5·3·4 + relu 5·3·4 + gap 5 + flat 5 + logits 3 floats = 277 floats = 1,108 bytes per image
    expect(c.suggestedBatchSize(4 * 1108 * 10)).toBe(10);
    expect(c.suggestedBatchSize(100)).toBe(1);
    expect(c.suggestedBatchSize(2 ** 40)).toBe(64); // CPU cap
    await c.release();
  });

  it('turns ViT token layers into maps and picks the last block\'s norm1 by default', async () => {
    const path = join(__dirname, '..', '..', 'fixtures', 'gradients', 'tiny_vit.onnx');
    const info = await inspectModel(path);
    const layer = info.candidateLayers.find((c) => c.name === info.defaultLayer)!;
    expect(info.defaultLayer).toBe('layer'); // the fixture names blocks[-1].norm1's output "layer"
    expect(layer).toMatchObject({ opType: 'LayerNormalization', rawShape: [1, 17, 16], shape: [1, 16, 4, 4], tokens: { classToken: true, grid: [4, 4] } });
    const c = await Classifier.load(path);
    const x = randomArray(3 * 16 * 16, mulberry32(8), 2);
    const run = await c.gradients(x, 1, [-1], 'logit');
    for (const id of ['gradcam', 'layercam']) {
      const map = await createMethod(id).compute({ classifier: c, image: x, activations: run.activations, logits: run.logits, gradients: run.gradients, batchSize: 4, target: { classIndex: run.classes[0], score: 'logit' } });
      expect(map.flat).toBe(false);
      expect([map.width, map.height]).toEqual([16, 16]);
    }
    const sc = await createMethod('scorecam++').compute({ classifier: c, image: x, activations: run.activations, logits: run.logits, batchSize: 8, target: { classIndex: run.classes[0], score: 'prob' } });
    expect(sc.forwardPasses).toBeGreaterThan(0);
    await c.release();
  });

  it('accepts an explicit token layout from the sidecar and rejects one that does not fit', async () => {
    const { tokenLayout } = await import('../../../src/main/engine/model/classifier');
    expect(tokenLayout(197)).toEqual({ classToken: true, grid: [14, 14] });
    expect(tokenLayout(196)).toEqual({ classToken: false, grid: [14, 14] });
    expect(tokenLayout(50, { classToken: true, grid: [7, 7] })).toEqual({ classToken: true, grid: [7, 7] });
    expect(tokenLayout(51, { classToken: true, grid: [7, 7] })).toBeNull();
    expect(tokenLayout(12)).toBeNull();
  });

  it.runIf(hasShared)('finds the paper layer of the shared ResNet-18', async () => {
    const info = await inspectModel(RESNET18);
    expect(info.defaultLayer).toBe('/layer4/layer4.1/relu_1/Relu_output_0');
    expect(info.candidateLayers.find((c) => c.name === info.defaultLayer)?.shape).toEqual([1, 512, 7, 7]);
    expect(info.inputs[0].shape).toEqual(['batch', 3, 224, 224]);
  });
});

describe('bad models get clear errors', () => {
  it('a missing file', async () => {
    await expect(inspectModel('/nonexistent/model.onnx')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'Model file not found: /nonexistent/model.onnx' });
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['random bytes', Uint8Array.from(randomArray(4096, mulberry32(1), 256, 0), (v) => v & 255)],
    ['text', new TextEncoder().encode('this is not a model\n')],
    ['truncated', (() => tinyCnnOnnx(randomTinyCnn(1, DIMS)).slice(0, 300))()],
  ])('malformed ONNX (%s)', async (name, bytes) => {
    const path = writeModel(`bad-${name.replace(' ', '-')}`, bytes);
    await expect(inspectModel(path)).rejects.toMatchObject({ code: 'INVALID_MODEL', message: expect.stringMatching(/not a valid ONNX model|cannot load this model/) });
  });

  it('a model with no spatial layer', async () => {
    const r = mulberry32(2);
    const bytes = encode({
      node: [node('GlobalAveragePool', ['input'], ['gap_out']), node('Flatten', ['gap_out'], ['flat_out']), node('Gemm', ['flat_out', 'fc.w', 'fc.b'], ['logits'], { transB: 1 })],
      input: [valueInfo('input', ['N', 3, 8, 8])],
      output: [valueInfo('logits', ['N', 2])],
      initializer: [initializer('fc.w', [2, 3], randomArray(6, r)), initializer('fc.b', [2], randomArray(2, r))],
    });
    await expect(inspectModel(writeModel('no-spatial', bytes))).rejects.toMatchObject({ code: 'NO_SPATIAL_LAYER', message: expect.stringMatching(/no spatial layer/) });
  });

  it('a wrong layer name', async () => {
    const path = writeModel('tiny-layer', tinyCnnOnnx(randomTinyCnn(1, DIMS)));
    await expect(Classifier.load(path, { layer: 'gap_out' })).rejects.toMatchObject({ code: 'UNKNOWN_LAYER', message: expect.stringMatching(/"gap_out" is not a spatial layer/) });
  });

  it('a model with two inputs, or a non-image input', async () => {
    const twoInputs = encode({
      node: [node('Add', ['a', 'b'], ['logits'])],
      input: [valueInfo('a', ['N', 2]), valueInfo('b', ['N', 2])],
      output: [valueInfo('logits', ['N', 2])],
    });
    await expect(inspectModel(writeModel('two-inputs', twoInputs))).rejects.toMatchObject({ code: 'UNSUPPORTED_MODEL', message: expect.stringMatching(/one image input; this one has 2/) });
    const flatInput = encode({ node: [node('Relu', ['x'], ['logits'])], input: [valueInfo('x', ['N', 10])], output: [valueInfo('logits', ['N', 10])] });
    await expect(inspectModel(writeModel('flat-input', flatInput))).rejects.toMatchObject({ code: 'UNSUPPORTED_MODEL', message: expect.stringMatching(/needs a float32 or uint8 image input \[N, C, H, W\] or \[N, H, W, C\]/) });
  });

  it('a model whose input has 4 channels', async () => {
    const m = randomTinyCnn(1, { ...DIMS, inC: 4 });
    await expect(inspectModel(writeModel('four-channels', tinyCnnOnnx(m)))).rejects.toMatchObject({ code: 'UNSUPPORTED_MODEL', message: expect.stringMatching(/4 input channels/) });
  });

  it('falls back to cpu, and says why, when the requested provider cannot start', async () => {
    const c = await Classifier.load(writeModel('tiny-ep', tinyCnnOnnx(randomTinyCnn(1, DIMS))), { ep: 'cuda' });
    if (c.provider === 'cpu') expect(c.fallbackReason).toMatch(/^cuda could not start .*; using cpu$/);
    else expect(c.provider).toBe('cuda');
    await c.release();
  });
});
