/**
 * `camscope compare` end to end on the demo images: the demo model (A) against a tiny CNN (B) whose classes are the
 * same names in another order and whose input frame is a centre crop of another size. Agreement, accuracy and the
 * cross-table are recounted here from each model's own `camscope explain` predictions; the same model twice gives
 * agreement 100 %, difference 0, Pearson 1, IoU 1; a missing class is refused in one sentence; the project's class
 * names take precedence over the sidecar's; a compare process SIGKILLed midway resumes and ends equal to an
 * uninterrupted run.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/run';
import { demoModelPath } from '../../src/main/engine/demo';
import { ProjectDb } from '../../src/main/engine/evaluate/project-db';
import { saveClassNames } from '../../src/main/workbench/class-names';
import { randomTinyCnn, tinyCnnOnnx, writeModel } from '../helpers/tiny-models';
import { demoSubset } from './demo-subset';
import { capture } from '../helpers/cli-capture';

const FASHION: string[] = JSON.parse(readFileSync(demoModelPath().replace(/\.onnx$/, '.json'), 'utf8')).classes;
// B's outputs name the same classes in another order (reversed, then the first two swapped).
const B_CLASSES = [...FASHION].reverse();
[B_CLASSES[0], B_CLASSES[1]] = [B_CLASSES[1], B_CLASSES[0]];


/** A tiny CNN on 16×12 (H×W) grey inputs: a 28×28 image is resized to 16×16 and its centre 12 columns kept. */
function tinyModel(name: string, classes: string[]): string {
  const m = randomTinyCnn(7, { inC: 1, h: 8, w: 6, C: 6, K: 10 });
  return writeModel(name, tinyCnnOnnx(m), { classes, inputSize: [16, 12], channels: 1, resize: 'shorter-side-crop', mean: [0.286], std: [0.353] });
}

let dir: string;
let dataset: string;
let labels: string;
let files: string[];
let modelB: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'camscope-compare-'));
  ({ dataset, labels, files } = demoSubset(dir, 12));
  modelB = tinyModel('tiny-b', B_CLASSES);
});

interface Explained { file: string; predictions: { classIndex: number; className: string }[] }

/** Each file's top class name, from the model's own `camscope explain`. */
async function explainedTop(model: string, out: string): Promise<Map<string, string>> {
  const c = capture();
  expect(await runCli(['explain', '--model', model, '--methods', 'gradcam', '--top-k', '1', '--out', out, dataset], c.io), c.stderr()).toBe(0);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { images: Explained[] };
  return new Map(results.images.map((r) => [basename(r.file), r.predictions[0].className]));
}

function readCompare(out: string) {
  return JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
}

describe('camscope compare', () => {
  it('demo model vs a tiny CNN with reordered classes: counts match each model\'s own explain; maps of the same class', async () => {
    const out = join(dir, 'a-vs-b');
    const c = capture();
    const code = await runCli(['compare', '--model', demoModelPath(), '--model', modelB, '--dataset', dataset, '--labels', labels, '--methods', 'gradcam,scorecam++', '--figure', '2', '--out', out], c.io);
    expect(code, c.stderr()).toBe(0);
    expect(c.stdout()).toMatch(/^12 image\(s\) compared \(0 failed\); the models agree on [\d.]+ % of them; compare\.json, compare\.html, compare\.pdf in /);
    const doc = readCompare(out);
    expect(Object.keys(doc)).toEqual(['camscope', 'created', 'elapsedSeconds', 'settings', 'summary', 'images', 'failed']);
    expect(doc.settings.models.a).toMatchObject({ classes: FASHION, classesSource: 'sidecar' });
    expect(doc.settings.models.b).toMatchObject({ classes: B_CLASSES, classesSource: 'sidecar', preprocessing: { inputSize: [16, 12], resize: 'shorter-side-crop' } });
    expect(doc.settings.methods).toEqual(['gradcam', 'scorecam++']);
    expect(doc.settings.commonGrid.maxSide).toBe(512);
    expect(doc.images).toHaveLength(12);
    expect(doc.failed).toEqual([]);

    // Recount from each model's own predictions and the labels file.
    const topA = await explainedTop(demoModelPath(), join(dir, 'explain-a'));
    const topB = await explainedTop(modelB, join(dir, 'explain-b'));
    const label = new Map(readFileSync(labels, 'utf8').trim().split('\n').slice(1).map((r) => r.split(',') as [string, string]));
    const agree = files.filter((f) => topA.get(f) === topB.get(f)).length;
    expect(doc.summary.agreement).toEqual({ agree, compared: 12, fraction: agree / 12 });
    const correct = (top: Map<string, string>) => files.filter((f) => top.get(f) === FASHION[Number(label.get(f))] || top.get(f) === label.get(f)).length;
    expect(doc.summary.accuracy.a).toEqual({ correct: correct(topA), labelled: 12, fraction: correct(topA) / 12 });
    expect(doc.summary.accuracy.b).toEqual({ correct: correct(topB), labelled: 12, fraction: correct(topB) / 12 });
    const used = FASHION.filter((n) => files.some((f) => topA.get(f) === n || topB.get(f) === n));
    expect(doc.summary.crossTable.classes).toEqual(used);
    const counts = used.map((ra) => used.map((cb) => files.filter((f) => topA.get(f) === ra && topB.get(f) === cb).length));
    expect(doc.summary.crossTable.counts).toEqual(counts);

    for (const img of doc.images) {
      expect(img.predicted.a.className).toBe(topA.get(img.file));
      expect(img.predicted.b.className).toBe(topB.get(img.file));
      expect(img.predicted.b.className).toBe(B_CLASSES[img.predicted.b.classIndex]);
      expect(img.agree).toBe(topA.get(img.file) === topB.get(img.file));
      // Both maps explain A's predicted class; in B it is the class of the same name.
      expect(img.explained.className).toBe(img.predicted.a.className);
      expect(img.explained.a.classIndex).toBe(FASHION.indexOf(img.explained.className));
      expect(img.explained.b.classIndex).toBe(B_CLASSES.indexOf(img.explained.className));
      // 28×28 images: A (stretch) sees every pixel, B's centre crop 12 of 16 resized columns (21 of 28 grid columns).
      expect(img.grid).toEqual({ width: 28, height: 28, pixels: 28 * 21 });
      for (const m of ['gradcam', 'scorecam++']) {
        const d = img.methods[m];
        expect(d.map_max_abs_diff).toBeGreaterThan(0);
        expect(d.map_max_abs_diff).toBeLessThanOrEqual(1);
        expect(d.map_top20_iou).toBeGreaterThanOrEqual(0);
        expect(d.map_top20_iou).toBeLessThanOrEqual(1);
      }
    }
    // Most different first: the lowest Pearson r over the methods never rises down the list.
    const lowest = doc.images.map((i: { methods: Record<string, { map_pearson: number | null; map_max_abs_diff: number }> }) =>
      Math.min(...Object.values(i.methods).map((d) => d.map_pearson ?? (d.map_max_abs_diff === 0 ? 1 : 0))));
    expect(lowest).toEqual([...lowest].sort((x, y) => x - y));

    const html = readFileSync(join(out, 'compare.html'), 'utf8');
    expect(html).toContain('<h1>camscope model comparison</h1>');
    expect(html).toContain('id="cross"');
    // Two figure rows, each with both models' maps per method, inline.
    expect(html.match(/<img alt="model A, /g)).toHaveLength(4);
    expect(html.match(/<img alt="model B, /g)).toHaveLength(4);
    expect(html).toContain(`<code>${doc.images[0].file}</code>`);
    expect(readFileSync(join(out, 'compare.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    expect(existsSync(join(out, 'project.camscope'))).toBe(true);
  }, 120_000);

  it('the same model twice: agreement 100 %, difference 0, Pearson 1, IoU 1 on every image', async () => {
    const out = join(dir, 'same');
    const c = capture();
    expect(await runCli(['compare', '--model', demoModelPath(), '--model', demoModelPath(), '--dataset', dataset, '--methods', 'gradcam,scorecam++', '--figure', '0', '--out', out], c.io), c.stderr()).toBe(0);
    const doc = readCompare(out);
    expect(doc.summary.agreement).toEqual({ agree: 12, compared: 12, fraction: 1 });
    // Without labels (no --labels, no class folders) accuracy is unknown.
    expect(doc.summary.accuracy).toEqual({ a: null, b: null });
    doc.summary.crossTable.counts.forEach((row: number[], i: number) => row.forEach((n, j) => (i === j ? expect(n).toBeGreaterThan(0) : expect(n).toBe(0))));
    for (const img of doc.images) {
      expect(img.grid).toEqual({ width: 28, height: 28, pixels: 784 });
      for (const m of ['gradcam', 'scorecam++']) expect(img.methods[m]).toEqual({ map_max_abs_diff: 0, map_pearson: 1, map_top20_iou: 1 });
    }
    // Ties keep the dataset's order.
    expect(doc.images.map((i: { file: string }) => i.file)).toEqual(files);
    expect(doc.summary.methods.gradcam).toEqual({ images: 12, mean_map_max_abs_diff: 0, mean_map_pearson: 1, pearson_undefined: 0, mean_map_top20_iou: 1 });
  }, 60_000);

  it('a class of one model missing in the other: one sentence naming both files and the class (exit 2)', async () => {
    const renamed = tinyModel('tiny-renamed', B_CLASSES.map((n) => (n === 'Sneaker' ? 'Turnschuh' : n)));
    const c = capture();
    const out = join(dir, 'mismatch');
    expect(await runCli(['compare', '--model', demoModelPath(), '--model', renamed, '--dataset', dataset, '--out', out], c.io)).toBe(2);
    expect(c.stderr().trim()).toBe(
      `camscope: error: The models ${demoModelPath()} and ${renamed} cannot be compared: class "Sneaker" of fashion-cnn.onnx is not a class of tiny-renamed.onnx (classes are matched by name; each model's names come from its sidecar, the dataset's labels or the project).`,
    );
    expect(existsSync(join(out, 'compare.json'))).toBe(false);

    // The project's names for B (the app's Classes editor) take precedence over its sidecar's: now they match.
    const fingerprint = createHash('sha256').update(readFileSync(renamed)).digest('hex');
    const db = new ProjectDb(join(out, 'project.camscope'));
    saveClassNames(db, fingerprint, B_CLASSES);
    db.close();
    const again = capture();
    expect(await runCli(['compare', '--model', demoModelPath(), '--model', renamed, '--dataset', dataset, '--methods', 'gradcam', '--figure', '0', '--out', out], again.io), again.stderr()).toBe(0);
    expect(readCompare(out).settings.models.b).toMatchObject({ classes: B_CLASSES, classesSource: 'project' });
  }, 60_000);

  it('an image a model cannot read costs only itself (exit 1, listed as failed), and is tried again on a rerun', async () => {
    const mixed = join(dir, 'mixed');
    mkdirSync(mixed);
    for (const f of files.slice(0, 2)) copyFileSync(join(dataset, f), join(mixed, f));
    writeFileSync(join(mixed, 'zz-empty.png'), '');
    const out = join(dir, 'mixed-out');
    const c = capture();
    expect(await runCli(['compare', '--model', demoModelPath(), '--model', modelB, '--dataset', mixed, '--methods', 'gradcam', '--figure', '1', '--out', out], c.io)).toBe(1);
    expect(c.stderr()).toContain('error: zz-empty.png: The image file is empty');
    const doc = readCompare(out);
    expect(doc.summary).toMatchObject({ images: 3, compared: 2, failed: 1 });
    expect(doc.failed).toEqual([{ file: 'zz-empty.png', message: expect.stringContaining('The image file is empty') }]);
    expect(readFileSync(join(out, 'compare.html'), 'utf8')).toContain('<li><code>zz-empty.png</code> — ');
    const again = capture();
    expect(await runCli(['compare', '--model', demoModelPath(), '--model', modelB, '--dataset', mixed, '--methods', 'gradcam', '--figure', '0', '--out', out], again.io)).toBe(1);
    expect(again.stderr()).toContain('resuming, 2 already done');
  }, 60_000);

  it('usage: --model twice, --dataset and --out required', async () => {
    const cases: [string[], string][] = [
      [['compare', '--model', demoModelPath(), '--dataset', 'x', '--out', 'y'], '--model must be given twice (model A, then model B), not 1 time.'],
      [['compare', '--model', 'a', '--model', 'b', '--out', 'y'], '--dataset is required.'],
      [['compare', '--model', 'a', '--model', 'b', '--dataset', 'x'], '--out is required.'],
      [['compare', '--model', 'a', '--model', 'b', '--layer', 'l', '--dataset', 'x', '--out', 'y'], '--layer must be given twice'],
    ];
    for (const [args, message] of cases) {
      const c = capture();
      expect(await runCli(args, c.io)).toBe(2);
      expect(c.stderr()).toContain(`camscope: ${message}`);
    }
    const help = capture();
    await runCli(['--help'], help.io);
    expect(help.stdout()).toContain('camscope compare --model A.onnx --model B.onnx --dataset DIR');
  });
});

describe('camscope compare killed midway', () => {
  const ROOT = join(__dirname, '..', '..');
  const run = (args: string[], onStderr?: (all: string) => void) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main/cli/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr);
    });
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
    return { child, done };
  };
  // What differs between two runs by design: when they ran, how long they took, where their project is.
  const comparable = (out: string) => {
    const { created: _c, elapsedSeconds: _e, settings, ...rest } = readCompare(out);
    const { created: _sc, project: _p, ...kept } = settings;
    return { ...rest, settings: kept };
  };
  const html = (out: string) => readFileSync(join(out, 'compare.html'), 'utf8')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/g, 'DATE').replace(/ in [^<]*?\. Per-image/, ' in TIME. Per-image').replaceAll(out, 'OUT');

  it('a rerun after SIGKILL continues from the stored images and ends equal to an uninterrupted run', async () => {
    const kdir = mkdtempSync(join(tmpdir(), 'camscope-compare-kill-'));
    const { dataset: images, labels: csv } = demoSubset(kdir, 24);
    const args = (out: string) => ['compare', '--model', demoModelPath(), '--model', modelB, '--dataset', images, '--labels', csv, '--methods', 'scorecam++,gradcam', '--figure', '2', '--batch', '8', '--out', out];

    const ref = await run(args(join(kdir, 'ref'))).done;
    expect(ref.code, ref.stderr).toBe(0);

    // Killed once it has stored some images (a progress line comes after each third image is stored).
    const out = join(kdir, 'killed');
    let killed = false;
    const first = run(args(out), (all) => {
      if (killed || !/compared \d+\/24 images/.test(all)) return;
      killed = true;
      setTimeout(() => first.child.kill('SIGKILL'), Math.random() * 300);
    });
    const outcome = await first.done;
    expect(outcome.signal, outcome.stderr).toBe('SIGKILL');
    expect(existsSync(join(out, 'compare.json'))).toBe(false);

    const again = await run(args(out)).done;
    expect(again.code, again.stderr).toBe(0);
    const resumed = Number(/resuming, (\d+) already done/.exec(again.stderr)?.[1]);
    expect(resumed).toBeGreaterThanOrEqual(3);
    expect(resumed).toBeLessThan(24);
    expect(comparable(out)).toEqual(comparable(join(kdir, 'ref')));
    expect(html(out)).toBe(html(join(kdir, 'ref')));
  }, 180_000);
});
