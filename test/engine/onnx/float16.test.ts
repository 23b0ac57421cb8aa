/**
 * fp16 conversion: roundings bit-identical to NumPy's float16, a converted graph that keeps its float32 interface,
 * float-only inputs and the softmax in float32, and results that stay close to fp32 (checked on onnxruntime's CPU
 * provider, which runs fp16 graphs by casting around the kernels it lacks).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import { demoImagesDir, demoModelPath } from '../../../src/main/engine/demo';
import { openSession } from '../../../src/main/engine/onnx/backend';
import { float16Bits, float16Value, FLOAT16_MAX, toFloat16 } from '../../../src/main/engine/onnx/float16';
import { buildFusedScoringModel } from '../../../src/main/engine/onnx/fused-score';
import { decodeModel, encodeModel, graphOf, type ModelProto } from '../../../src/main/engine/onnx/graph';
import { Classifier } from '../../../src/main/engine/model/classifier';
import { prepareImage } from '../../../src/main/engine/image/preprocess';
import { createMethod } from '../../../src/main/engine/methods/registry';

const { onnx } = onnxProto;
const DEMO_IMAGE = readdirSync(demoImagesDir()).filter((f) => f.endsWith('.png')).sort()[0];
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/float16/roundings.json'), 'utf8')) as {
  float32Bits: number[];
  float16Bits: number[];
};

function halfValues(t: onnxProto.onnx.ITensorProto): number[] {
  const raw = t.rawData!;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Array.from({ length: raw.byteLength / 2 }, (_, i) => float16Value(view.getUint16(2 * i, true)));
}
function floatValues(t: onnxProto.onnx.ITensorProto): Float32Array {
  if (t.rawData?.length) return new Float32Array(t.rawData.buffer.slice(t.rawData.byteOffset, t.rawData.byteOffset + t.rawData.byteLength));
  return Float32Array.from(t.floatData ?? []);
}
const valueInfo = (name: string, elemType: number, dims: number[]): onnxProto.onnx.IValueInfoProto => ({
  name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
});
function tensor(name: string, dims: number[], values: number[]): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, floatData: values };
}
function model(nodes: onnxProto.onnx.INodeProto[], initializer: onnxProto.onnx.ITensorProto[], inputs: onnxProto.onnx.IValueInfoProto[], outputs: onnxProto.onnx.IValueInfoProto[]): ModelProto {
  return onnx.ModelProto.create({
    irVersion: 8, opsetImport: [{ domain: '', version: 17 }],
    graph: onnx.GraphProto.create({ name: 't', node: nodes, initializer, input: inputs, output: outputs }),
  });
}

describe('float16Bits', () => {
  it('rounds every value exactly as NumPy astype(float16) does (ties to even, subnormals, overflow)', () => {
    const f = new Float32Array(new Uint32Array(fixture.float32Bits).buffer);
    const mismatches = Array.from(f).filter((v, i) => float16Bits(v) !== fixture.float16Bits[i]);
    expect(mismatches).toEqual([]);
    expect(f.length).toBeGreaterThan(500);
  });

  it('float16Value is its inverse on every finite half', () => {
    for (let b = 0; b < 0x10000; b++) {
      if ((b & 0x7c00) === 0x7c00) continue;
      expect(float16Bits(float16Value(b))).toBe(b);
    }
    expect(float16Value(0x3c00)).toBe(1);
    expect(float16Value(0x7bff)).toBe(FLOAT16_MAX);
    expect(float16Value(0x0001)).toBe(2 ** -24);
  });
});

describe('toFloat16', () => {
  const demo = decodeModel(readFileSync(demoModelPath()));

  it('stores every float weight as the rounded float16 and keeps the float32 interface', () => {
    const { model: half, clamped } = toFloat16(demo);
    expect(clamped).toBe(0);
    const before = new Map(graphOf(demo).initializer.map((t) => [t.name, t]));
    const g = graphOf(half);
    expect(g.initializer.length).toBe(before.size);
    for (const t of g.initializer) {
      const orig = before.get(t.name)!;
      if (orig.dataType !== FLOAT) continue;
      expect(t.dataType).toBe(FLOAT16);
      const want = Array.from(floatValues(orig), (v) => float16Value(float16Bits(v)));
      expect(halfValues(t)).toEqual(want);
    }
    expect(g.input.map((i) => i.type?.tensorType?.elemType)).toEqual(graphOf(demo).input.map((i) => i.type?.tensorType?.elemType));
    expect(g.output.map((o) => o.type?.tensorType?.elemType)).toEqual([FLOAT]);
    // The first node casts the input down, the last casts the output up.
    expect(g.node[0].opType).toBe('Cast');
    expect(g.node.at(-1)!.opType).toBe('Cast');
    expect(g.node.at(-1)!.output).toEqual(graphOf(demo).output.map((o) => o.name));
    // The source model is untouched.
    expect(graphOf(demo).initializer.every((t) => t.dataType === FLOAT)).toBe(true);
  });

  it('gives logits close to fp32 but not identical (the arithmetic really is half precision)', async () => {
    const s32 = await openSession(readFileSync(demoModelPath()));
    const s16 = await openSession(encodeModel(toFloat16(demo).model));
    try {
      const c = await Classifier.load(demoModelPath());
      const profile = c.profile;
      await c.release();
      const img = await prepareImage(join(demoImagesDir(), DEMO_IMAGE), profile);
      const feeds = { [s32.inputNames[0]]: img.tensor };
      const shapes = { [s32.inputNames[0]]: [1, 1, 28, 28] };
      const a = (await s32.run(feeds, shapes, [s32.outputNames[0]]))[s32.outputNames[0]].data;
      const b = (await s16.run({ [s16.inputNames[0]]: img.tensor }, { [s16.inputNames[0]]: [1, 1, 28, 28] }, [s16.outputNames[0]]))[s16.outputNames[0]].data;
      const scale = Math.max(...Array.from(a, Math.abs));
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst / scale).toBeLessThan(1e-2);
      expect(worst).toBeGreaterThan(0);
    } finally {
      await s32.release();
      await s16.release();
    }
  });

  it('clamps weights beyond the float16 range and counts them', () => {
    const m = model(
      [{ opType: 'Mul', input: ['x', 'w'], output: ['y'] }],
      [tensor('w', [3], [1e5, -7e4, 2])],
      [valueInfo('x', FLOAT, [3])], [valueInfo('y', FLOAT, [3])],
    );
    const { model: half, clamped } = toFloat16(m);
    expect(clamped).toBe(2);
    expect(halfValues(graphOf(half).initializer[0])).toEqual([FLOAT16_MAX, -FLOAT16_MAX, 2]);
  });

  it('keeps Resize scales in float32 and casts computed ones up, so the graph still runs', async () => {
    const m = model(
      [
        { opType: 'Resize', input: ['x', '', 'scales'], output: ['a'], attribute: [{ name: 'mode', type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode('linear') }] },
        { opType: 'Mul', input: ['base', 'one'], output: ['scales2'] },
        { opType: 'Resize', input: ['x', '', 'scales2'], output: ['b'], attribute: [{ name: 'mode', type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode('linear') }] },
        { opType: 'Resize', input: ['x', '', 'shared'], output: ['c'], attribute: [{ name: 'mode', type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode('linear') }] },
        { opType: 'Mul', input: ['shared', 'one'], output: ['unused'] },
        { opType: 'Add', input: ['a', 'b'], output: ['ab'] },
        { opType: 'Sub', input: ['ab', 'c'], output: ['y'] },
      ],
      [tensor('scales', [4], [1, 1, 2, 2]), tensor('base', [4], [1, 1, 2, 2]), tensor('shared', [4], [1, 1, 2, 2]), tensor('one', [1], [1])],
      [valueInfo('x', FLOAT, [1, 1, 2, 2])], [valueInfo('y', FLOAT, [1, 1, 4, 4])],
    );
    const { model: half } = toFloat16(m);
    const g = graphOf(half);
    expect(g.initializer.find((t) => t.name === 'scales')!.dataType).toBe(FLOAT);
    // Computed scales, and a constant also used as data (now float16), reach Resize through a Cast up.
    expect(g.initializer.find((t) => t.name === 'shared')!.dataType).toBe(FLOAT16);
    for (const resize of g.node.filter((n) => n.opType === 'Resize').slice(1)) {
      const producer = g.node.find((n) => n.output!.includes(resize.input![2]))!;
      expect(producer.opType).toBe('Cast');
    }
    const s = await openSession(encodeModel(half));
    try {
      const y = (await s.run({ x: Float32Array.of(1, 2, 3, 4) }, { x: [1, 1, 2, 2] }, ['y'])).y.data;
      // Half-pixel bilinear 2×: corners equal the inputs, so y = x + x − x = x there.
      expect([y[0], y[3], y[12], y[15]]).toEqual([1, 2, 3, 4]);
    } finally {
      await s.release();
    }
  });

  it('computes Softmax in float32 and refuses control flow', () => {
    const m = model(
      [{ opType: 'Softmax', input: ['x'], output: ['y'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] }],
      [], [valueInfo('x', FLOAT, [3])], [valueInfo('y', FLOAT, [3])],
    );
    const g = graphOf(toFloat16(m).model);
    const softmax = g.node.find((n) => n.opType === 'Softmax')!;
    const up = g.node.find((n) => n.output!.includes(softmax.input![0]))!;
    expect(up.opType).toBe('Cast');
    expect(Number(up.attribute![0].i)).toBe(FLOAT);

    const loop = model([{ opType: 'If', input: ['c'], output: ['y'], name: 'branch' }], [], [valueInfo('c', onnx.TensorProto.DataType.BOOL, [])], [valueInfo('y', FLOAT, [1])]);
    expect(() => toFloat16(loop)).toThrow(/control flow \(If node "branch"\)/);
  });

  it('the fused scoring graph in fp16 has float16 weights and the same float32 inputs/outputs', () => {
    const spec = { mask: 'tanh' as const, score: 'prob' as const, inputSize: [28, 28] as [number, number], channels: 1 };
    const out = graphOf(demo).output[0].name!;
    const full = decodeModel(buildFusedScoringModel(demo, out, spec));
    const half = decodeModel(buildFusedScoringModel(demo, out, { ...spec, precision: 'fp16' }));
    const sig = (m: ModelProto): unknown => [graphOf(m).input, graphOf(m).output].map((l) => l.map((v) => [v.name, v.type?.tensorType?.elemType]));
    expect(sig(half)).toEqual(sig(full));
    expect(graphOf(half).initializer.filter((t) => t.dims!.length > 1).every((t) => t.dataType === FLOAT16)).toBe(true);
  });
});

describe('Classifier with precision fp16', () => {
  let c32: Classifier;
  let c16: Classifier;
  beforeAll(async () => {
    c32 = await Classifier.load(demoModelPath());
    c16 = await Classifier.load(demoModelPath(), { precision: 'fp16' });
  });
  afterAll(async () => {
    await c32?.release();
    await c16?.release();
  });

  it('ScoreCAM++ maps stay within 2 % of the fp32 maps (normalized) and the precision is reported', async () => {
    const img = await prepareImage(join(demoImagesDir(), DEMO_IMAGE), c32.profile);
    const method = createMethod('scorecam++');
    const run = async (c: Classifier): Promise<Float32Array> => {
      const { logits, activations } = await c.forward(img.tensor, 1, true);
      const r = await method.compute({ classifier: c, image: img.tensor, activations: activations!, logits, batchSize: 64, fused: true, target: { classIndex: 0, score: 'prob' } });
      return r.map;
    };
    const [a, b] = [await run(c32), await run(c16)];
    const norm = (m: Float32Array): number[] => {
      const lo = Math.min(...m);
      const hi = Math.max(...m);
      return Array.from(m, (v) => (v - lo) / (hi - lo || 1));
    };
    const [na, nb] = [norm(a), norm(b)];
    let worst = 0;
    for (let i = 0; i < na.length; i++) worst = Math.max(worst, Math.abs(na[i] - nb[i]));
    expect(worst).toBeLessThan(0.02);
    expect(worst).toBeGreaterThan(0);
    expect(c16.requestedPrecision).toBe('fp16');
    expect(c16.precision).toBe('fp16');
    expect(c16.precisionFallbackReason).toBeNull();
    expect(c32.precision).toBe('fp32');
  });
});
