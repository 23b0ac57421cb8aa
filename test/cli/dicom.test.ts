// The intensity mapping wired through the CLI: DICOM folders listed by content (frames as file#N, stems
// file_frameN), --intensity and the sidecar's "intensity" recorded with their source, different mappings giving
// different maps and cache keys, and no patient attribute in anything camscope writes.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/run';
import { collectImages, imageStem } from '../../src/main/cli/common';
import { mapKey, predictionKey } from '../../src/main/engine/cache/results';
import { contentId } from '../../src/main/engine/evaluate/run';
import { readMapPng } from '../../src/main/engine/image/decode';
import { Classifier } from '../../src/main/engine/model/classifier';
import { resolveProfile } from '../../src/main/engine/model/profile';
import { randomTinyCnn, tinyCnnOnnx, writeModel } from '../helpers/tiny-models';
import { capture } from '../helpers/cli-capture';

const GEN = join(import.meta.dirname, '../fixtures/dicom/generated');
/** What make-reference.py writes into every fixture so tests can check it never comes out. */
const SECRETS = ['Doe^Jane', 'Doe', 'ID-SECRET-42', 'Secret General Hospital', '19700101'];


function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));
}

let dir: string;
let folder: string;
let model: string;
const tiny = randomTinyCnn(11, { inC: 1, h: 8, w: 8, C: 4, K: 3 });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'camscope-dicom-cli-'));
  folder = join(dir, 'scans');
  mkdirSync(folder);
  copyFileSync(join(GEN, 'ct-two-windows.dcm'), join(folder, 'ct-two-windows.dcm'));
  // DICOM files are found by content: no extension, and a UID-like name whose last dot is no extension.
  copyFileSync(join(GEN, 'ct-7-frames.dcm'), join(folder, '1.2.840.99.7'));
  copyFileSync(join(GEN, 'mr-no-preamble.dcm'), join(folder, 'MR0001'));
  model = writeModel('dicom-tiny', tinyCnnOnnx(tiny));
});

async function explain(out: string, extra: string[] = [], modelPath = model): Promise<{ code: number; results: any; stderr: string }> {
  const c = capture();
  const code = await runCli(['explain', '--model', modelPath, '--methods', 'gradcam,scorecam++', ...extra, '--out', out, folder], c.io);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  return { code, results, stderr: c.stderr() };
}

describe('explain on a folder of DICOM files', () => {
  it('lists DICOM files by content and each frame as file#N, with stems file_frameN', () => {
    const images = collectImages([folder]);
    expect(images.map((i) => i.file.slice(folder.length + 1))).toEqual([
      ...Array.from({ length: 7 }, (_, i) => `1.2.840.99.7#${i + 1}`), 'MR0001', 'ct-two-windows.dcm',
    ]);
    expect(images.map((i) => i.stem)).toEqual([...Array.from({ length: 7 }, (_, i) => `1.2.840.99.7_frame${i + 1}`), 'MR0001', 'ct-two-windows']);
    expect(imageStem('a/scan.DCM#12')).toBe('a/scan_frame12');
    expect(imageStem('photo.jpeg')).toBe('photo');
    // A frame named on the command line gets the same stem.
    expect(collectImages([join(folder, '1.2.840.99.7#3')]).map((i) => i.stem)).toEqual(['1.2.840.99.7_frame3']);
  });

  it('explains every frame, records the default mapping and its source, and writes no patient attribute', async () => {
    const out = join(dir, 'out-default');
    const { code, results, stderr } = await explain(out);
    expect(code).toBe(0);
    expect(results.summary).toMatchObject({ images: 9, explained: 9, failed: 0 });
    expect(results.settings.intensity).toEqual({ mapping: null, source: 'default', defaults: { dicom: 'dicom-window:1', image16: 'range:bit-depth' } });
    expect(results.images.map((i: { intensity: string }) => i.intensity)).toEqual(Array(9).fill('dicom-window:1'));
    const frame3 = results.images.find((i: { file: string }) => i.file.endsWith('#3'));
    expect(frame3.stem).toBe('1.2.840.99.7_frame3');
    expect(frame3.methods.gradcam.map).toBe('1.2.840.99.7_frame3/gradcam.png');
    expect(readdirSync(join(out, '1.2.840.99.7_frame3')).sort()).toEqual(['gradcam-overlay.png', 'gradcam.png', 'input.png', 'scorecam++-overlay.png', 'scorecam++.png']);

    const written = filesUnder(out);
    expect(written.length).toBeGreaterThan(9 * 5);
    for (const f of written) {
      const text = readFileSync(f).toString('latin1');
      for (const s of SECRETS) expect(text.includes(s), `${s} in ${f}`).toBe(false);
    }
    for (const s of SECRETS) expect(stderr).not.toContain(s);
  });

  it('--intensity changes the pixels and the maps, and is recorded as an option', async () => {
    const a = join(dir, 'out-default-2');
    const b = join(dir, 'out-lung');
    await explain(a);
    const { code, results } = await explain(b, ['--intensity', 'window:-600,1500']);
    expect(code).toBe(0);
    expect(results.settings.intensity).toMatchObject({ mapping: 'window:-600,1500', source: 'option' });
    expect(results.settings.preprocessing).toMatchObject({ intensity: 'window:-600,1500', intensitySource: 'option' });
    expect(results.images.every((i: { intensity: string }) => i.intensity === 'window:-600,1500')).toBe(true);
    const input = (d: string): Buffer => readFileSync(join(d, 'ct-two-windows', 'input.png'));
    expect(input(a).equals(input(b))).toBe(false);
    const map = async (d: string): Promise<Float32Array> => (await readMapPng(join(d, 'ct-two-windows', 'scorecam++.png'))).map;
    const [ma, mb] = [await map(a), await map(b)];
    expect(ma.some((v, i) => Math.abs(v - mb[i]) > 1e-3)).toBe(true);
  });

  it('takes the sidecar\'s "intensity" (source sidecar); --intensity overrides it', async () => {
    const withSidecar = writeModel('dicom-tiny-sidecar', tinyCnnOnnx(tiny), { intensity: 'window:-600,1500' });
    const s = await explain(join(dir, 'out-sidecar'), [], withSidecar);
    expect(s.results.settings.intensity).toMatchObject({ mapping: 'window:-600,1500', source: 'sidecar' });
    const lung = readFileSync(join(dir, 'out-lung', 'ct-two-windows', 'input.png'));
    expect(readFileSync(join(dir, 'out-sidecar', 'ct-two-windows', 'input.png')).equals(lung)).toBe(true);
    const o = await explain(join(dir, 'out-override'), ['--intensity', 'dicom-window:2'], withSidecar);
    expect(o.results.settings.intensity).toMatchObject({ mapping: 'dicom-window:2', source: 'option' });
  });

  it('refuses a bad --intensity before reading anything (exit 2, one sentence)', async () => {
    const c = capture();
    expect(await runCli(['explain', '--model', model, '--intensity', 'window:40', '--out', join(dir, 'out-bad'), folder], c.io)).toBe(2);
    expect(c.stderr()).toContain('--intensity: The intensity mapping "window:40" needs 2 numbers after "window:"');
  });
});

describe('evaluate on a folder of DICOM files', () => {
  it('records the mapping and its source in the report; another mapping is another run, not a resume', async () => {
    const out = join(dir, 'eval');
    const project = join(dir, 'eval.camscope');
    const run = async (mapping: string) => {
      const c = capture();
      const args = ['evaluate', '--model', model, '--dataset', folder, '--methods', 'gradcam', '--no-reference', '--steps', '0', '--figure', '0', '--intensity', mapping, '--project', project, '--out', out];
      const code = await runCli(args, c.io);
      return { code, stderr: c.stderr(), report: JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) };
    };
    const soft = await run('window:40,400');
    expect(soft.code).toBe(0);
    expect(soft.report.settings.intensity).toMatchObject({ mapping: 'window:40,400', source: 'option' });
    expect(soft.report.images).toHaveLength(9);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('window:40,400 (set by the user)');
    const again = await run('window:40,400');
    expect(again.stderr).toContain('resuming, 9 already done');
    const lung = await run('window:-600,1500');
    expect(lung.stderr).not.toContain('resuming');
    expect(lung.report.settings.intensity.mapping).toBe('window:-600,1500');
    for (const f of filesUnder(out)) {
      const text = readFileSync(f).toString('latin1');
      for (const secret of SECRETS) expect(text.includes(secret), `${secret} in ${f}`).toBe(false);
    }
  });
});

describe('the sidecar\'s "intensity"', () => {
  const facts = { numClasses: 3, channels: 1, fixedSize: null };
  it('is normalised to the stable string form and marked as the sidecar\'s', () => {
    expect(resolveProfile({ intensity: 'dicom-window' }, facts, 'm.json')).toMatchObject({ intensity: 'dicom-window:1', intensitySource: 'sidecar' });
    expect(resolveProfile({ intensity: ' percentile:0.5,99.5 ' }, facts, 'm.json').intensity).toBe('percentile:0.5,99.5');
    expect(resolveProfile({}, facts, 'm.json')).not.toHaveProperty('intensity');
  });

  it('is refused in one sentence naming the settings file', () => {
    expect(() => resolveProfile({ intensity: 'window:40' }, facts, '/models/ct.json')).toThrow(
      /^\/models\/ct\.json: "intensity" "window:40" needs 2 numbers after "window:"; use dicom-window, .* or raw:SCALE,OFFSET\.$/,
    );
    expect(() => resolveProfile({ intensity: 'gamma:2' }, facts, '/models/ct.json')).toThrow(/^\/models\/ct\.json: "intensity" "gamma:2" is not one camscope knows; use /);
    expect(() => resolveProfile({ intensity: 40 }, facts, '/models/ct.json')).toThrow('/models/ct.json: "intensity" must be a text such as "dicom-window" or "window:40,400", not 40.');
  });

  it('a bad one fails the model\'s loading, naming the sidecar', async () => {
    const bad = writeModel('dicom-tiny-bad', tinyCnnOnnx(tiny), { intensity: 'range:everything' });
    await expect(Classifier.load(bad)).rejects.toThrow(/dicom-tiny-bad\.json: "intensity" "range:everything" needs "bit-depth" or "image" after "range:"/);
  });
});

describe('cache keys', () => {
  it('differ between mappings, not between who set the same one; frames have their own content identity', async () => {
    const c = await Classifier.load(model);
    try {
      const content = contentId(join(folder, 'ct-two-windows.dcm'))!;
      const method = { id: 'gradcam', settings: {} };
      const keys = (): [string, string] => [predictionKey(c, content), mapKey(c, content, 0, method)];
      const defaults = keys();
      c.setIntensity('window:-600,1500');
      const lung = keys();
      c.setIntensity('window:40,400');
      const soft = keys();
      expect(new Set([defaults[0], lung[0], soft[0]]).size).toBe(3);
      expect(new Set([defaults[1], lung[1], soft[1]]).size).toBe(3);
      c.profile.intensitySource = 'sidecar';
      expect(keys()).toEqual(soft);
      c.setIntensity(null);
      expect(keys()).toEqual(defaults);
      expect(() => c.setIntensity('window')).toThrow(/needs 2 numbers/);
    } finally {
      await c.release();
    }
    const frames = [1, 2, 3].map((n) => contentId(join(folder, `1.2.840.99.7#${n}`)));
    expect(frames.every((f) => f !== null)).toBe(true);
    expect(new Set(frames).size).toBe(3);
    expect(frames[0]).toBe(`${contentId(join(folder, '1.2.840.99.7'))}#1`);
  });
});
