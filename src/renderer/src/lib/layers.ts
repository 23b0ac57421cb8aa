/**
 * Friendly names for a model's layers. ONNX exporters name tensors after the module path and the operator
 * ("/layer4/layer4.1/relu_1/Relu_output_0", "/features/features.16/Relu_output_0"); people think in modules
 * ("layer4.1 › relu_1", "features.16 › ReLU"). The raw name stays available (tooltips) because it is what the CLI takes.
 */

const OPS: Record<string, string> = {
  relu: 'ReLU',
  conv: 'Conv',
  maxpool: 'MaxPool',
  averagepool: 'AvgPool',
  batchnormalization: 'BatchNorm',
  add: 'Add',
  sigmoid: 'Sigmoid',
  mul: 'Mul',
  concat: 'Concat',
  clip: 'ReLU6',
  hardswish: 'HardSwish',
};

/** The name's module path: leading '/', the "_output_N" suffix and ":N" gone, split on '/'. */
function segments(name: string): string[] {
  return name
    .replace(/^\/+/, '')
    .replace(/_output_\d+$/, '')
    .replace(/:\d+$/, '')
    .split('/')
    .filter(Boolean);
}

/** "layer4", "layer4.1" → keep only the more specific one (each module path repeats its parent's name). */
function collapse(parts: string[]): string[] {
  const out: string[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (last !== undefined && (p.startsWith(`${last}.`) || p.startsWith(`${last}_`))) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}

/** A short label: the innermost module and the operator, e.g. "layer4.1 › relu_1" or "features.12 › ReLU". */
export function friendlyLayer(name: string): string {
  const parts = collapse(segments(name));
  if (!parts.length) return name;
  const last = parts[parts.length - 1];
  const op = OPS[last.replace(/_\d+$/, '').toLowerCase()];
  if (op && parts.length >= 2) {
    const module = parts[parts.length - 2];
    // "relu_1 / Relu": the module already says what the operator is.
    if (module.toLowerCase().replace(/_\d+$/, '') === last.toLowerCase().replace(/_\d+$/, '')) return parts.slice(-3, -1).join(' › ');
    return `${module} › ${op}`;
  }
  return parts.slice(-2).join(' › ');
}

/** The block a layer belongs to, for grouping: its first module ("layer4", "features", "blocks"). */
export function layerGroup(name: string): string {
  const parts = segments(name);
  return parts[0] ?? name;
}
