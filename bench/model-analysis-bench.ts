/**
 * `npm run bench:analysis`: how model analysis (`inspect`, `Classifier.load`) scales with graph size.
 * Writes synthetic CNN-like graphs (a stem, then residual blocks Conv → Relu → Conv → Add → Relu on 8×16×16 tensors,
 * then GlobalAveragePool → Flatten → Gemm) of the requested node counts to a temp folder, and times inspectModel()
 * and Classifier.load() on each in a fresh child process, with that process's peak RSS growth over its RSS before
 * the call. Prints a table, then PASS/FAIL for the largest graph of at least 20,000 nodes against the bound:
 * both calls within --max-seconds (default 10) and --max-mb (default 1024) of peak RSS growth.
 *   npm run bench:analysis -- [--nodes 1000,5000,20000] [--max-seconds 10] [--max-mb 1024]
 * This is a benchmark, not a test: its timings depend on the machine, so nothing in `npm test` asserts them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const CHANNELS = 8;
const SIDE = 16;
const CLASSES = 10;
const BLOCK_NODES = 5;

/** A synthetic classifier of exactly `nodes` nodes (at least 4) with deterministic pseudo-random weights. */
function syntheticCnn(nodes: number): Uint8Array {
  let seed = 12345;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.3;
  const initializer: onnxProto.onnx.ITensorProto[] = [];
  const weight = (name: string, dims: number[]): string => {
    const data = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, rand);
    initializer.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer) });
    return name;
  };
  const ints = (name: string, v: number[]): onnxProto.onnx.IAttributeProto => ({ name, ints: v, type: onnx.AttributeProto.AttributeType.INTS });
  const node: onnxProto.onnx.INodeProto[] = [
    { opType: 'Conv', name: 'stem', input: ['image', weight('stem.w', [CHANNELS, 3, 3, 3]), weight('stem.b', [CHANNELS])], output: ['stem'], attribute: [ints('pads', [1, 1, 1, 1]), ints('strides', [2, 2])] },
  ];
  let x = 'stem';
  for (let b = 0; node.length + BLOCK_NODES + 3 <= nodes; b++) {
    const conv = (name: string, input: string): onnxProto.onnx.INodeProto => ({
      opType: 'Conv', name, input: [input, weight(`${name}.w`, [CHANNELS, CHANNELS, 3, 3]), weight(`${name}.b`, [CHANNELS])], output: [name], attribute: [ints('pads', [1, 1, 1, 1])],
    });
    node.push(
      conv(`b${b}.conv1`, x),
      { opType: 'Relu', name: `b${b}.relu1`, input: [`b${b}.conv1`], output: [`b${b}.relu1`] },
      conv(`b${b}.conv2`, `b${b}.relu1`),
      { opType: 'Add', name: `b${b}.add`, input: [`b${b}.conv2`, x], output: [`b${b}.add`] },
      { opType: 'Relu', name: `b${b}.relu2`, input: [`b${b}.add`], output: [`b${b}.relu2`] },
    );
    x = `b${b}.relu2`;
  }
  // Pad to the exact count with (idempotent) Relus, so that the table's node counts are the requested ones.
  for (let i = 0; node.length + 3 < nodes; i++) {
    node.push({ opType: 'Relu', name: `pad${i}`, input: [x], output: [`pad${i}`] });
    x = `pad${i}`;
  }
  node.push(
    { opType: 'GlobalAveragePool', name: 'pool', input: [x], output: ['pool'] },
    { opType: 'Flatten', name: 'flatten', input: ['pool'], output: ['flatten'] },
    { opType: 'Gemm', name: 'fc', input: ['flatten', weight('fc.w', [CLASSES, CHANNELS]), weight('fc.b', [CLASSES])], output: ['logits'], attribute: [{ name: 'transB', i: 1, type: onnx.AttributeProto.AttributeType.INT }] },
  );
  const info = (name: string, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto => ({
    name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  return onnx.ModelProto.encode({
    irVersion: 8, producerName: 'camscope-bench', opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'synthetic', node, initializer, input: [info('image', ['N', 3, 2 * SIDE, 2 * SIDE])], output: [info('logits', ['N', CLASSES])] },
  }).finish();
}

interface Measurement {
  seconds: number;
  /** CPU seconds of the process during the call (all threads): less sensitive than wall time to a busy machine. */
  cpuSeconds: number;
  peakGrowthMb: number;
  candidates: number;
}

/** In a child process: one call, timed, with the peak RSS it reached above the RSS before it. */
async function child(what: string, modelPath: string): Promise<void> {
  const { Classifier, inspectModel } = await import('../src/main/engine/model/classifier');
  const before = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let candidates: number;
  if (what === 'inspect') {
    candidates = (await inspectModel(modelPath)).candidateLayers.length;
  } else {
    const c = await Classifier.load(modelPath);
    candidates = c.inspection.candidateLayers.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  // maxRSS is in kilobytes and covers the whole process, so it includes the call's peak.
  const peakGrowthMb = (process.resourceUsage().maxRSS * 1024 - before) / 2 ** 20;
  process.stdout.write(JSON.stringify({ seconds, cpuSeconds, peakGrowthMb, candidates } satisfies Measurement));
}

function measure(what: string, modelPath: string): Measurement {
  // A fresh process per call, so that one call's peak RSS is not another's.
  const out = execFileSync(process.execPath, [...process.execArgv, import.meta.filename, '--child', what, modelPath], {
    encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.slice(out.lastIndexOf('{'))) as Measurement;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { nodes: { type: 'string' }, 'max-seconds': { type: 'string' }, 'max-mb': { type: 'string' }, child: { type: 'string' } }, allowPositionals: true });
  if (values.child) return child(values.child, process.argv.at(-1)!);
  const sizes = (values.nodes ?? '1000,5000,20000').split(',').map(Number);
  const maxSeconds = Number(values['max-seconds'] ?? 10);
  const maxMb = Number(values['max-mb'] ?? 1024);
  const dir = mkdtempSync(join(tmpdir(), 'camscope-analysis-bench-'));
  const rows: { nodes: number; inspect: Measurement; load: Measurement }[] = [];
  try {
    console.log(`load average before: ${loadavg().map((l) => l.toFixed(1)).join(', ')} on ${cpus().length} cores`);
    console.log('nodes   | file MB | inspect s (CPU s) | inspect peak RSS +MB | load s (CPU s) | load peak RSS +MB | candidate layers');
    console.log('--------|---------|-------------------|----------------------|----------------|-------------------|-----------------');
    for (const nodes of sizes) {
      const path = join(dir, `synthetic-${nodes}.onnx`);
      const bytes = syntheticCnn(nodes);
      writeFileSync(path, bytes);
      const count = onnx.ModelProto.decode(bytes).graph!.node!.length;
      const inspect = measure('inspect', path);
      const load = measure('load', path);
      rows.push({ nodes: count, inspect, load });
      console.log(
        `${String(count).padEnd(7)} | ${(statSync(path).size / 2 ** 20).toFixed(1).padStart(7)} | ${`${inspect.seconds.toFixed(2)} (${inspect.cpuSeconds.toFixed(2)})`.padStart(17)} | ` +
          `${inspect.peakGrowthMb.toFixed(0).padStart(20)} | ${`${load.seconds.toFixed(2)} (${load.cpuSeconds.toFixed(2)})`.padStart(14)} | ${load.peakGrowthMb.toFixed(0).padStart(17)} | ${inspect.candidates}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const checked = rows.filter((r) => r.nodes >= 20_000).at(-1);
  if (!checked) {
    console.log('No graph of 20,000 nodes or more was measured: no PASS/FAIL.');
    return;
  }
  const ok = [checked.inspect, checked.load].every((m) => m.seconds <= maxSeconds && m.peakGrowthMb <= maxMb);
  console.log(`${ok ? 'PASS' : 'FAIL'}: ${checked.nodes} nodes: inspect ${checked.inspect.seconds.toFixed(1)} s / +${checked.inspect.peakGrowthMb.toFixed(0)} MB, ` +
    `load ${checked.load.seconds.toFixed(1)} s / +${checked.load.peakGrowthMb.toFixed(0)} MB (bound: ${maxSeconds} s and ${maxMb} MB each)`);
  if (!ok) process.exitCode = 1;
}

await main();
