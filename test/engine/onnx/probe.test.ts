/**
 * The segmented shape probe against the approach it replaces (one session with every node output exposed), and
 * the refusal of absurd input sizes before anything is allocated.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { inspectModel } from '../../../src/main/engine/model/classifier';
import { probeGraph, probeShapes, type ProbedTensor } from '../../../src/main/engine/onnx/backend';
import { countNodes, decodeModel, graphInputs, graphOf, producers, withExtraOutputs, type ModelProto } from '../../../src/main/engine/onnx/graph';
import { MAX_INPUT_ELEMENTS, MAX_INPUT_SIDE, planProbe, probeInput } from '../../../src/main/engine/onnx/probe-plan';
import { encode, initializer, node, valueInfo, writeModel } from '../../helpers/tiny-models';

const { onnx } = onnxProto;
const root = join(import.meta.dirname, '..', '..', '..');
const gradients = join(root, 'test', 'fixtures', 'gradients');
const fixtures = [
  ...readdirSync(gradients).filter((f) => f.endsWith('.onnx')).sort().map((f) => join(gradients, f)),
  join(root, 'resources', 'demo', 'fashion-cnn.onnx'),
];

/** The probe as it was: one session ('all' optimizations) with every tensor exposed, all outputs fetched at once. */
async function fullExposeProbe(bytes: Uint8Array, feeds: Record<string, Float32Array>, shapes: Record<string, number[]>): Promise<Map<string, ProbedTensor>> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, data] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', data, shapes[name]);
    const result = await s.run(ortFeeds);
    const map = new Map<string, ProbedTensor>();
    for (const [name, t] of Object.entries(result)) {
      const values = t.type === 'int64' && t.size <= 64 ? Array.from(t.data as BigInt64Array, Number) : undefined;
      map.set(name, { dims: t.dims.map(Number), type: t.type, values });
    }
    return map;
  } finally {
    await s.release();
  }
}

/** What analyse() probes: every non-Constant node output, on a zero image at batch 1 (or the fixed batch). */
function probeCase(model: ModelProto): { wanted: string[]; feeds: Record<string, Float32Array>; shapes: Record<string, number[]> } {
  const wanted = [...producers(model).entries()].filter(([, p]) => p.node.opType !== 'Constant').map(([name]) => name);
  const [input] = graphInputs(model);
  const shape = input.shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : 224));
  return { wanted, feeds: { [input.name]: new Float32Array(shape.reduce((a, b) => a * b, 1)) }, shapes: { [input.name]: shape } };
}

function sorted(map: Map<string, ProbedTensor>): [string, ProbedTensor][] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe('segmented shape probe', () => {
  it.each(fixtures.map((f) => [f.slice(root.length + 1), f]))('%s: the same shapes, types and int64 values as exposing every output at once', async (_, path) => {
    const model = decodeModel(readFileSync(path));
    const { wanted, feeds, shapes } = probeCase(model);
    const exposed = withExtraOutputs(model, wanted);
    const expected = await fullExposeProbe(exposed, feeds, shapes);
    expect(expected.size).toBeGreaterThan(wanted.length / 2);
    // The public entry point, as analyse() calls it (default segment size).
    expect(sorted(await probeShapes(exposed, feeds, shapes))).toEqual(sorted(expected));
    // Cut into many segments, so that tensors cross several cuts.
    const wantedAll = graphOf(decodeModel(exposed)).output.map((o) => o.name ?? '');
    for (const segmentNodes of [1, 4]) {
      if (segmentNodes === 1 && model.graph!.node!.length > 300) continue; // one session per node: too slow for big graphs
      expect(sorted(await probeGraph(model, wantedAll, feeds, shapes, segmentNodes))).toEqual(sorted(expected));
    }
  });

  it('feeds the outer-scope tensors an If branch reads, and accepts nodes out of topological order', async () => {
    const branch = (name: string, op: string): onnxProto.onnx.IGraphProto => ({
      name, node: [node(op, ['relu_out'], [`${name}_out`])], output: [valueInfo(`${name}_out`, [])],
    });
    const ifNode = node('If', ['cond_out'], ['if_out']);
    ifNode.attribute = [
      { name: 'then_branch', g: branch('then', 'Identity'), type: onnx.AttributeProto.AttributeType.GRAPH },
      { name: 'else_branch', g: branch('else', 'Neg'), type: onnx.AttributeProto.AttributeType.GRAPH },
    ];
    const nodes = [
      node('Relu', ['x'], ['relu_out']),
      node('ReduceSum', ['relu_out'], ['sum_out'], { keepdims: 0 }),
      node('Greater', ['sum_out', 'zero'], ['cond_out']),
      ifNode,
      node('Shape', ['if_out'], ['shape_out']),
      node('Add', ['if_out', 'x'], ['y']),
    ];
    const graph = (order: onnxProto.onnx.INodeProto[]): Uint8Array => encode({
      name: 'g', node: order, initializer: [initializer('zero', [], new Float32Array([0]))],
      input: [valueInfo('x', [1, 2, 3, 3])], output: [valueInfo('y', [1, 2, 3, 3])],
    });
    const feeds = { x: Float32Array.from({ length: 18 }, (_, i) => i - 9) };
    const shapes = { x: [1, 2, 3, 3] };
    const model = decodeModel(graph(nodes));
    const wanted = ['y', 'relu_out', 'sum_out', 'cond_out', 'if_out', 'shape_out'];
    const expected = await fullExposeProbe(withExtraOutputs(model, wanted), feeds, shapes);
    expect(expected.get('shape_out')).toEqual({ dims: [4], type: 'int64', values: [1, 2, 3, 3] });
    expect(expected.get('cond_out')?.type).toBe('bool');
    // The If node's segment reads relu_out only through its branches: the plan must feed it.
    const plan = planProbe(model, wanted, 1);
    expect(plan.find((s) => s.nodes[0].opType === 'If')?.inputs).toEqual(expect.arrayContaining(['cond_out', 'relu_out']));
    expect(sorted(await probeGraph(model, wanted, feeds, shapes, 1))).toEqual(sorted(expected));
    // Reversed file order: the probe sorts the nodes (onnxruntime accepts unsorted graphs).
    const reversed = decodeModel(graph([...nodes].reverse()));
    expect(sorted(await probeGraph(reversed, wanted, feeds, shapes, 2))).toEqual(sorted(expected));
  });

  it('drops every tensor after the last segment that reads it', () => {
    const model = decodeModel(readFileSync(fixtures.find((f) => f.endsWith('resnet_block.onnx'))!));
    const { wanted } = probeCase(model);
    const plan = planProbe(model, wanted, 2);
    const readers = new Map<string, number>();
    plan.forEach((s, k) => {
      for (const x of s.inputs) readers.set(x, k);
    });
    const dropped = new Map<string, number>();
    plan.forEach((s, k) => {
      for (const x of s.done) dropped.set(x, k);
    });
    // Every tensor some segment reads is held exactly until that segment, never longer.
    for (const [x, last] of readers) expect(dropped.get(x)).toBe(last);
    expect(plan.length).toBe(Math.ceil(model.graph!.node!.length / 2));
  });

  it('counts nodes from the wire format as decoding does', () => {
    for (const f of fixtures) {
      const bytes = readFileSync(f);
      expect(countNodes(bytes)).toBe(decodeModel(bytes).graph!.node!.length);
    }
  });
});

describe('absurd input sizes', () => {
  const tinyModel = (dims: (number | string)[]): Uint8Array => encode({
    name: 'g',
    node: [
      node('Conv', ['x', 'w'], ['conv_out'], { strides: [2, 2] }),
      node('GlobalAveragePool', ['conv_out'], ['gap_out']),
      node('Flatten', ['gap_out'], ['logits']),
    ],
    initializer: [initializer('w', [2, 3, 2, 2], new Float32Array(24).fill(0.1))],
    input: [valueInfo('x', dims)],
    output: [valueInfo('logits', [dims[0], 2])],
  });

  it('a model input fixed at 100000x100000 is refused with the size and the limit', async () => {
    const path = writeModel('absurd-fixed', tinyModel([1, 3, 100000, 100000]));
    const error = await inspectModel(path).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'CamscopeError', code: 'UNSUPPORTED_MODEL' });
    expect((error as Error).message).toBe(
      `The model's input "x" is fixed at 100000x100000 ([1, 3, 100000, 100000], 30,000,000,000 values); camscope analyses images of at most ${MAX_INPUT_SIDE} pixels per side and 67,108,864 input values (N×C×H×W).`,
    );
  });

  it('a sidecar inputSize that makes the probe image too large is a settings error naming the file', async () => {
    const path = writeModel('absurd-sidecar', tinyModel(['N', 3, 'H', 'W']), { inputSize: [6000, 6000] });
    const error = await inspectModel(path).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'CamscopeError', code: 'INVALID_PROFILE' });
    expect((error as Error).message).toContain(`absurd-sidecar.json: "inputSize" is 6000x6000 ([1, 3, 6000, 6000], 108,000,000 values)`);
  });

  it('the limits: the side and the element count each refuse on their own, and sizes within both are allocated', () => {
    expect(probeInput('x', [1, 3, 4096, 4096], null)).toHaveLength(3 * 4096 * 4096);
    expect(() => probeInput('x', [1, 1, MAX_INPUT_SIDE + 1, 2], null)).toThrow(/fixed at 16385x2/);
    expect(() => probeInput('x', [4, 3, 4096, 4096], 'm.json')).toThrow(/^m\.json: "inputSize" is 4096x4096 \(\[4, 3, 4096, 4096\], 201,326,592 values\)/);
    expect(MAX_INPUT_ELEMENTS).toBe(2 ** 26);
  });
});
