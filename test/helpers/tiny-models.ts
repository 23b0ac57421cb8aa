/**
 * Tiny ONNX classifiers built in the tests with known weights, plus an independent plain-JS forward pass and
 * reference ScoreCAM/ScoreCAM++ written from the papers' formulas (naive loops, float64, no engine code).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export { mulberry32 } from '../../src/main/engine/tensor/random';
import { mulberry32 } from '../../src/main/engine/tensor/random';

export function randomArray(n: number, rand: () => number, scale = 1, shift = -0.5): Float32Array {
  return Float32Array.from({ length: n }, () => (rand() + shift) * scale);
}

type Dim = number | string;

export function valueInfo(name: string, dims: Dim[], elemType = 1): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

export function initializer(name: string, dims: number[], data: Float32Array | BigInt64Array): onnxProto.onnx.ITensorProto {
  const isInt = data instanceof BigInt64Array;
  return { name, dims, dataType: isInt ? 7 : 1, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, number | number[]> = {}): onnxProto.onnx.INodeProto {
  const attribute = Object.entries(attrs).map(([name, v]) =>
    Array.isArray(v)
      ? { name, ints: v, type: onnx.AttributeProto.AttributeType.INTS }
      : Number.isInteger(v)
        ? { name, i: v, type: onnx.AttributeProto.AttributeType.INT }
        : { name, f: v, type: onnx.AttributeProto.AttributeType.FLOAT },
  );
  return { opType, input: inputs, output: outputs, name: outputs[0].replace('_out', ''), attribute };
}

export function encode(graph: onnxProto.onnx.IGraphProto, opset = 17): Uint8Array {
  return onnx.ModelProto.encode({ irVersion: 8, producerName: 'camscope-tests', opsetImport: [{ domain: '', version: opset }], graph }).finish();
}

let tmp: string | null = null;
export function writeModel(name: string, bytes: Uint8Array, sidecar?: object): string {
  tmp ??= mkdtempSync(join(tmpdir(), 'camscope-models-'));
  const path = join(tmp, `${name}.onnx`);
  writeFileSync(path, bytes);
  if (sidecar) writeFileSync(join(tmp, `${name}.json`), JSON.stringify(sidecar));
  return path;
}

/**
 * input [N, inC, 2h, 2w] → Conv(k=2, stride=2, C filters) → Relu (target layer [N, C, h, w]) → GlobalAveragePool →
 * Flatten → Gemm (K classes).
 */
export interface TinyCnn {
  inC: number;
  h: number;
  w: number;
  C: number;
  K: number;
  convW: Float32Array; // [C, inC, 2, 2]
  convB: Float32Array; // [C]
  fcW: Float32Array; // [K, C]
  fcB: Float32Array; // [K]
}

export function randomTinyCnn(seed: number, dims: { inC: number; h: number; w: number; C: number; K: number }): TinyCnn {
  const r = mulberry32(seed);
  return {
    ...dims,
    convW: randomArray(dims.C * dims.inC * 4, r, 1.2),
    convB: randomArray(dims.C, r, 0.6),
    fcW: randomArray(dims.K * dims.C, r, 4),
    fcB: randomArray(dims.K, r, 0.2),
  };
}

/**
 * `extraPool` adds a MaxPool after the ReLU; `unaryAfterRelu` inserts an elementwise op there (e.g. 'Sin', which
 * has no gradient rule), named `<op lowercase>` with output `<op lowercase>_out`.
 */
export function tinyCnnOnnx(m: TinyCnn, opts: { batch?: Dim; extraPool?: boolean; unaryAfterRelu?: string } = {}): Uint8Array {
  const batch = opts.batch ?? 'N';
  const nodes = [
    node('Conv', ['input', 'conv.w', 'conv.b'], ['conv_out'], { kernel_shape: [2, 2], strides: [2, 2] }),
    node('Relu', ['conv_out'], ['relu_out']),
  ];
  let last = 'relu_out';
  if (opts.extraPool) {
    // A pooling step after the activation: the default layer must still be the ReLU (the paper's convention).
    nodes.push(node('MaxPool', ['relu_out'], ['pool_out'], { kernel_shape: [1, 1] }));
    last = 'pool_out';
  }
  if (opts.unaryAfterRelu) {
    const out = `${opts.unaryAfterRelu.toLowerCase()}_out`;
    nodes.push(node(opts.unaryAfterRelu, [last], [out]));
    last = out;
  }
  nodes.push(
    node('GlobalAveragePool', [last], ['gap_out']),
    node('Flatten', ['gap_out'], ['flat_out']),
    node('Gemm', ['flat_out', 'fc.w', 'fc.b'], ['logits'], { transB: 1 }),
  );
  return encode({
    name: 'tiny-cnn',
    node: nodes,
    input: [valueInfo('input', [batch, m.inC, 2 * m.h, 2 * m.w])],
    output: [valueInfo('logits', [batch, m.K])],
    initializer: [
      initializer('conv.w', [m.C, m.inC, 2, 2], m.convW),
      initializer('conv.b', [m.C], m.convB),
      initializer('fc.w', [m.K, m.C], m.fcW),
      initializer('fc.b', [m.K], m.fcB),
    ],
  });
}

/** Independent forward pass: returns the ReLU activations [C][h*w] and the logits [K]. */
export function tinyCnnForward(m: TinyCnn, x: ArrayLike<number>): { acts: number[][]; logits: number[] } {
  const H = 2 * m.h, W = 2 * m.w;
  const acts: number[][] = [];
  for (let c = 0; c < m.C; c++) {
    const plane: number[] = [];
    for (let y = 0; y < m.h; y++) {
      for (let xx = 0; xx < m.w; xx++) {
        let s = m.convB[c];
        for (let ic = 0; ic < m.inC; ic++)
          for (let ky = 0; ky < 2; ky++)
            for (let kx = 0; kx < 2; kx++) s += m.convW[((c * m.inC + ic) * 2 + ky) * 2 + kx] * x[ic * H * W + (2 * y + ky) * W + 2 * xx + kx];
        plane.push(Math.max(0, s));
      }
    }
    acts.push(plane);
  }
  const pooled = acts.map((p) => p.reduce((a, b) => a + b, 0) / p.length);
  const logits = Array.from({ length: m.K }, (_, k) => m.fcB[k] + pooled.reduce((a, v, c) => a + v * m.fcW[k * m.C + c], 0));
  return { acts, logits };
}

export function softmaxRef(logits: number[]): number[] {
  const mx = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - mx));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Bilinear upsampling with half-pixel centres, written per output pixel from the definition. */
export function upsampleRef(plane: number[], h: number, w: number, H: number, W: number): number[] {
  const sample = (o: number, inSize: number, outSize: number): [number, number, number] => {
    let src = ((o + 0.5) * inSize) / outSize - 0.5;
    if (src < 0) src = 0;
    const lo = Math.min(Math.floor(src), inSize - 1);
    const hi = Math.min(lo + 1, inSize - 1);
    return [lo, hi, src - lo];
  };
  const out: number[] = [];
  for (let Y = 0; Y < H; Y++) {
    const [y0, y1, fy] = sample(Y, h, H);
    for (let X = 0; X < W; X++) {
      const [x0, x1, fx] = sample(X, w, W);
      const top = plane[y0 * w + x0] * (1 - fx) + plane[y0 * w + x1] * fx;
      const bottom = plane[y1 * w + x0] * (1 - fx) + plane[y1 * w + x1] * fx;
      out.push(top * (1 - fy) + bottom * fy);
    }
  }
  return out;
}

export interface ScoreCamRefOptions {
  mask: (up: number[]) => number[];
  term: (up: number[]) => number[];
  skip: (up: number[]) => boolean;
  score: 'prob' | 'logit';
  baseline?: boolean;
  /** Probabilities from logits (default softmax; e.g. σ per class for multi-label models). */
  probability?: (logits: number[]) => number[];
  /** What the model does to its input before the CNN (e.g. rounding pixels and normalising inside the graph). */
  prepare?: (input: Float32Array) => Float32Array;
}

/** Reference score-weighted CAM following the papers' equations, for a tiny CNN and one input. */
export function scoreCamRef(m: TinyCnn, x: Float32Array, target: number, o: ScoreCamRefOptions): { map: number[]; flat: boolean; passes: number } {
  const H = 2 * m.h, W = 2 * m.w;
  const scoreOfLogits = (l: number[]): number => (o.score === 'prob' ? (o.probability ?? softmaxRef)(l)[target] : l[target]);
  const forward = (input: Float32Array) => tinyCnnForward(m, o.prepare ? o.prepare(input) : input);
  const { acts, logits } = forward(x);
  const base = o.baseline ? scoreOfLogits(logits) : 0;
  const cam = new Array<number>(H * W).fill(0);
  let passes = 0;
  for (const plane of acts) {
    const up = upsampleRef(plane, m.h, m.w, H, W);
    if (o.skip(up)) continue;
    const mask = o.mask(up);
    const masked = Float32Array.from(x, (v, i) => v * mask[i % (H * W)]);
    const s = scoreOfLogits(forward(masked).logits) - base;
    passes++;
    const t = o.term(up);
    for (let i = 0; i < cam.length; i++) cam[i] += s * t[i];
  }
  const relu = cam.map((v) => Math.max(0, v));
  const mn = Math.min(...relu), mx = Math.max(...relu);
  if (!(mx > mn)) return { map: relu.map(() => 0), flat: true, passes };
  return { map: relu.map((v) => (v - mn) / (mx - mn)), flat: false, passes };
}

export const minMaxRef = (up: number[]): number[] => {
  const mn = Math.min(...up), mx = Math.max(...up);
  return up.map((v) => (v - mn) / (mx - mn));
};
