/**
 * The run's settings as labelled entries, grouped; the HTML and PDF reports both list exactly these, so every
 * field of EvaluationSettings (plus elapsed time) shows up in both.
 */
import { formatDate, formatDuration, methodName, scoreVariantLabel } from './format';
import { intensitySetting } from '../image/intensity-setting';
import type { ReportInput } from './types';

export interface SettingEntry {
  key: string;
  value: string;
  /** Render in a monospace font (paths, hashes, tensor names). */
  mono?: boolean;
  /** A long list shown collapsed in HTML and abbreviated in the PDF. */
  list?: string[];
}

export interface SettingGroup {
  title: string;
  entries: SettingEntry[];
}

const RESIZE_LABELS: Record<string, string> = {
  'shorter-side-crop': 'shorter side to the input size, then centre crop',
  stretch: 'stretch to the input size (aspect ratio not kept)',
};

const SCORES_LABELS: Record<string, string> = {
  softmax: 'softmax — one class per image',
  sigmoid: 'sigmoid — each class its own probability (multi-label or binary)',
  probabilities: 'probabilities — the model outputs them; no logits',
};

const LAYER_LAYOUT_LABELS: Record<string, string> = {
  nhwc: 'channels last [N, h, w, C], explained as the equivalent [N, C, h, w]',
  tokens: 'transformer tokens [N, T, C], reshaped to a grid',
};

function list(values: readonly number[]): string {
  return `[${values.map((v) => String(v)).join(', ')}]`;
}

/** The intensity mapping of DICOM and 16-bit images and who chose it, in words. */
export function intensityLabel(p: ReportInput['settings']['preprocessing']): string {
  const i = intensitySetting(p);
  if (i.mapping === null) return `camscope's default: ${i.defaults.dicom} for DICOM (the file's own window), ${i.defaults.image16} for 16-bit PNG/TIFF`;
  return `${i.mapping} (${i.source === 'sidecar' ? "from the model's settings file" : 'set by the user'})`;
}

export function settingGroups(input: ReportInput): SettingGroup[] {
  const s = input.settings;
  const p = s.preprocessing;
  const sameClasses =
    p.classes.length === s.model.classes.length && p.classes.every((c, i) => c === s.model.classes[i]);

  const run: SettingEntry[] = [
    { key: 'camscope version', value: s.camscope },
    { key: 'Started', value: formatDate(s.created) },
    { key: 'Elapsed time', value: `${formatDuration(input.elapsedSeconds)} (${input.elapsedSeconds.toFixed(1)} s)` },
    { key: 'Methods', value: s.methods.map((id) => `${methodName(input, id)} (${id})`).join(', ') },
    { key: 'Score variant', value: `${s.score} — ${scoreVariantLabel(s.score, p.scores)}` },
    {
      key: 'Curve steps',
      value: s.curveSteps > 0 ? String(s.curveSteps) : '0 (deletion/insertion curves not computed)',
    },
  ];

  const model: SettingEntry[] = [
    { key: 'Model file', value: s.model.path, mono: true },
    { key: 'Fingerprint (SHA-256)', value: s.model.fingerprint, mono: true },
    { key: 'Classes', value: String(s.model.classes.length), list: s.model.classes },
    { key: 'Target layer', value: s.layer.name, mono: true },
    { key: 'Layer shape', value: s.layer.shape.length > 0 ? s.layer.shape.join(' × ') : '–' },
  ];
  // Runs saved before output semantics and layouts existed were softmax models with NCHW float inputs and layers.
  if (s.layer.layout && s.layer.layout !== 'nchw') model.push({ key: 'Layer layout', value: LAYER_LAYOUT_LABELS[s.layer.layout] });
  model.push({ key: 'Output scores', value: SCORES_LABELS[p.scores ?? 'softmax'] });
  if (p.scores === 'sigmoid') model.push({ key: 'Multi-label threshold', value: String(p.threshold) });

  const prep: SettingEntry[] = [
    { key: 'Input size (H × W)', value: `${p.inputSize[0]} × ${p.inputSize[1]} px` },
    { key: 'Channels', value: p.channels === 1 ? '1 (greyscale)' : '3 (RGB)' },
    { key: 'Resize', value: `${p.resize} — ${RESIZE_LABELS[p.resize] ?? p.resize}` },
    { key: 'Model input', value: `${p.inputType ?? 'float32'}, ${(p.layout ?? 'nchw') === 'nchw' ? 'channels first [N, C, H, W]' : 'channels last [N, H, W, C]'}` },
    { key: 'Pixel scale', value: (p.scale ?? 1) === 255 ? '0–255' : '0–1' },
    { key: 'Mean', value: list(p.mean) },
    { key: 'Std', value: list(p.std) },
    { key: 'Profile layer', value: p.layer, mono: true },
    { key: 'Intensity (DICOM, 16-bit)', value: intensityLabel(p) },
  ];
  if (p.tokens) {
    const parts: string[] = [];
    if (p.tokens.classToken !== undefined) parts.push(`class token ${p.tokens.classToken ? 'dropped' : 'none'}`);
    if (p.tokens.grid) parts.push(`grid ${p.tokens.grid[0]} × ${p.tokens.grid[1]}`);
    prep.push({ key: 'Token layout', value: parts.length > 0 ? parts.join(', ') : 'automatic' });
  }
  if (!sameClasses) prep.push({ key: 'Profile classes', value: String(p.classes.length), list: p.classes });

  const data: SettingEntry[] = [
    { key: 'Dataset root', value: s.dataset.root, mono: true },
    { key: 'Labels', value: s.dataset.labels ?? 'none', mono: s.dataset.labels !== null },
    { key: 'Layout', value: s.dataset.layout === 'imagefolder' ? 'imagefolder (one folder per class)' : 'csv (file, label)' },
    { key: 'Images in dataset', value: String(s.dataset.total) },
    { key: 'Sample size', value: s.sample.size === null ? 'all images' : String(s.sample.size) },
    { key: 'Sample seed', value: String(s.sample.seed) },
  ];

  const exec: SettingEntry[] = [
    { key: 'Provider requested', value: s.provider.requested },
    { key: 'Provider used', value: s.provider.used },
    // Runs saved before precision existed were all fp32.
    { key: 'ScoreCAM scoring precision', value: s.precision ?? 'fp32' },
  ];

  return [
    { title: 'Run', entries: run },
    { title: 'Model', entries: model },
    { title: 'Preprocessing', entries: prep },
    { title: 'Dataset and sample', entries: data },
    { title: 'Execution', entries: exec },
  ];
}
