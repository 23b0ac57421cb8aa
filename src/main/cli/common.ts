/**
 * What every `camscope` command shares: the output streams, the usage error and exit statuses, option parsing
 * (whole numbers, --ep and --precision, the options evaluate and the job generators both take), the terminal's
 * progress bar, and the image list of explain and sanity. It imports no other command module, so each can import it.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, extname, relative } from 'node:path';
import { CamscopeError, EXECUTION_PROVIDERS, PRECISIONS, type Classifier, type ExecutionProviderName, type Precision } from '../engine';
import { IMAGE_EXTENSIONS } from '../engine/image/decode';
import { formatIntensityMapping, parseIntensityMapping } from '../engine/image/intensity';
import { imageNamedFolderWarning, isImageNamedFolder, listImageFiles } from '../engine/evaluate/dataset';

export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  signal?: AbortSignal;
}

/** Bad options or arguments: runCli prints the message and points at --help (exit 2). */
export class UsageError extends Error {}

/** The exit statuses every command returns (see USAGE in ./run). */
export const EXIT = { ok: 0, someFailed: 1, fatal: 2, cancelled: 130 } as const;

/** Command-line options shared by `evaluate` and the cluster job generators. */
export const RUN_OPTIONS = {
  model: { type: 'string' },
  dataset: { type: 'string' },
  labels: { type: 'string' },
  sample: { type: 'string' },
  seed: { type: 'string' },
  methods: { type: 'string' },
  // evaluate adds the `random` reference to the methods; --no-reference leaves it out.
  'no-reference': { type: 'boolean' },
  score: { type: 'string' },
  steps: { type: 'string' },
  figure: { type: 'string' },
  ep: { type: 'string' },
  precision: { type: 'string' },
  batch: { type: 'string' },
  layer: { type: 'string' },
  colormap: { type: 'string' },
  intensity: { type: 'string' },
  out: { type: 'string' },
} as const;

/** Extensions a stem drops: the image formats camscope reads and DICOM's own (DICOM files often have none, or UIDs). */
const STEM_EXTENSIONS = [...IMAGE_EXTENSIONS, '.dcm', '.dicom', '.dic'];

/**
 * The output stem of an image path: its extension dropped (only a known one, so the UID name of a DICOM file stays
 * whole), and a multi-frame DICOM file's frame `file#N` as `file_frameN` (no '#' in file names or URLs).
 */
export function imageStem(path: string): string {
  const m = /^(.*)#([1-9][0-9]*)$/.exec(path);
  const [file, frame] = m && !existsSync(path) ? [m[1], `_frame${m[2]}`] : [path, ''];
  const ext = extname(file);
  return (STEM_EXTENSIONS.includes(ext.toLowerCase()) ? file.slice(0, -ext.length) : file) + frame;
}

/**
 * Image files named on the command line or found (recursively, sorted) in named folders, each with a unique stem.
 * Folders are listed as evaluate lists them: DICOM files by content (with or without .dcm), each frame of a
 * multi-frame file as `file#N`. A folder named like an image (`x.jpg/`, e.g. matched by a `*.jpg` glob) is skipped
 * with a warning, not searched.
 */
export function collectImages(inputs: string[], warn: (message: string) => void = () => {}): { file: string; stem: string }[] {
  const out: { file: string; stem: string }[] = [];
  const used = new Set<string>();
  const add = (file: string, stem: string): void => {
    let unique = stem;
    for (let n = 2; used.has(unique); n++) unique = `${stem}-${n}`;
    used.add(unique);
    out.push({ file, stem: unique });
  };
  for (const input of inputs) {
    if (existsSync(input) && statSync(input).isDirectory()) {
      if (isImageNamedFolder(input)) {
        warn(imageNamedFolderWarning(input));
        continue;
      }
      const warnings: string[] = [];
      const files = listImageFiles(input, input, warnings);
      for (const w of warnings) warn(w);
      if (files.length === 0) throw new CamscopeError('INVALID_ARGUMENT', `No images found in folder ${input} (looked for ${IMAGE_EXTENSIONS.join(' ')} and DICOM files).`);
      // Stems keep the sub-folder so ImageFolder layouts (cat/1.jpg, dog/1.jpg) stay distinct: cat_1, dog_1.
      for (const f of files) add(f, imageStem(relative(input, f)).split(/[\\/]/).join('_'));
    } else {
      add(input, imageStem(basename(input)));
    }
  }
  if (out.length === 0) throw new CamscopeError('INVALID_ARGUMENT', `No images to explain: every input was skipped (see the warnings above).`);
  return out;
}

/** --intensity MAPPING (intensity.ts's forms), checked and in its stable string form; undefined when absent. */
export function intensityOption(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  try {
    return formatIntensityMapping(parseIntensityMapping(v));
  } catch (e) {
    throw new UsageError(`--intensity: ${(e as Error).message}`);
  }
}

/** `--name`'s whole number from min to max, or fallback when it is absent. */
export function parseIntOption(name: string, v: string | undefined, fallback: number, min: number, max: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not "${v}".`);
  return n;
}

/** Rewrites the terminal's progress line in place; writes nothing when stderr is not a terminal (logs, CI). */
export function progressLine(io: CliIo, text: string): void {
  if (io.stderr.isTTY) io.stderr.write(`\r\x1b[2K${text}`);
}

/** A text progress bar, `[######..........]`. */
export function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** --ep and --precision, shared by explain, evaluate and the job generators. */
export function runtimeArgs(str: (k: string) => string | undefined): { ep: ExecutionProviderName; precision: Precision } {
  const ep = (str('ep') ?? 'cpu') as ExecutionProviderName;
  if (!EXECUTION_PROVIDERS.includes(ep)) throw new UsageError(`--ep must be one of ${EXECUTION_PROVIDERS.join(', ')}.`);
  const precision = (str('precision') ?? 'fp32') as Precision;
  if (!PRECISIONS.includes(precision)) throw new UsageError(`--precision must be one of ${PRECISIONS.join(', ')}.`);
  return { ep, precision };
}

/**
 * Says on stderr when the provider fell back (and why) and when fp16 scoring was asked for. An fp16 fallback happens
 * later, when the first scoring graph opens; results.json and the reports record it.
 */
export function reportRuntime(classifier: Classifier, io: CliIo): void {
  if (classifier.fallbackReason) io.stderr.write(`camscope: ${classifier.fallbackReason}\n`);
  if (classifier.requestedPrecision === 'fp16') io.stderr.write('camscope: ScoreCAM scoring runs in fp16 (results differ from fp32 by rounding)\n');
}
