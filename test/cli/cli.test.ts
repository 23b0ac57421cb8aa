import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/run';
import { collectImages } from '../../src/main/cli/common';
import { demoImagesDir, demoModelPath } from '../../src/main/engine/demo';
import { readMapPng } from '../../src/main/engine/image/decode';
import { VERSION } from '../../src/main/engine/version';
import { randomTinyCnn, tinyCnnOnnx, writeModel } from '../helpers/tiny-models';
import { capture } from '../helpers/cli-capture';


let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'camscope-cli-'));
});

describe('camscope inspect', () => {
  it('prints the model as JSON: inputs, outputs, classes, candidate layers, default layer', async () => {
    const c = capture();
    expect(await runCli(['inspect', '--model', demoModelPath()], c.io)).toBe(0);
    const info = JSON.parse(c.stdout());
    expect(info.inputs).toEqual([{ name: 'input', type: 'float32', shape: ['batch', 1, 28, 28] }]);
    expect(info.outputs[0].name).toBe('logits');
    expect(info.profile.classes).toHaveLength(10);
    expect(info.defaultLayer).toBe('/features/features.12/Relu_output_0');
    expect(info.candidateLayers.at(-1)).toMatchObject({ name: info.defaultLayer, shape: [1, 64, 14, 14] });
    expect(info.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('camscope explain', () => {
  it('writes 16-bit maps, overlays and results.json; a bad file costs only itself (exit 1)', async () => {
    const inputs = join(dir, 'mixed');
    mkdirSync(inputs);
    const demo = readdirSync(demoImagesDir()).filter((f) => f.endsWith('.png')).slice(0, 3);
    for (const f of demo) copyFileSync(join(demoImagesDir(), f), join(inputs, f));
    writeFileSync(join(inputs, 'zz-empty.png'), '');
    writeFileSync(join(inputs, 'zz-text.jpg'), 'not an image');
    const out = join(dir, 'out-mixed');
    const c = capture();
    const code = await runCli(['explain', '--model', demoModelPath(), '--methods', 'scorecam++,scorecam', '--colormap', 'viridis', '--out', out, inputs], c.io);
    expect(code).toBe(1);
    expect(c.stderr()).toContain(`error: ${join(inputs, 'zz-empty.png')}: The image file is empty`);
    expect(c.stderr()).toContain(`error: ${join(inputs, 'zz-text.jpg')}: Not a readable image`);
    expect(c.stdout()).toContain('3 of 5 image(s) explained with scorecam++, scorecam on cpu');

    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.camscope).toBe(VERSION);
    expect(results.model.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(results.layer).toEqual({ name: '/features/features.12/Relu_output_0', shape: [1, 64, 14, 14], layout: 'nchw' });
    expect(results.output).toMatchObject({ semantics: 'softmax', source: 'default', activation: null, binary: false });
    expect(results.input).toMatchObject({ layout: 'nchw', type: 'float32' });
    expect(results.provider).toEqual({ requested: 'cpu', used: 'cpu', fallbackReason: null, precision: 'fp32', precisionFallbackReason: null });
    expect(results.settings.methods.map((m: { id: string }) => m.id)).toEqual(['scorecam++', 'scorecam']);
    expect(results.summary).toEqual({ images: 5, explained: 3, failed: 2, methodErrors: 0 });
    const first = results.images[0];
    expect(first.ok).toBe(true);
    expect(first.predictions).toHaveLength(5);
    expect(first.target.classIndex).toBe(first.predictions[0].classIndex);
    expect(first.methods['scorecam++']).toMatchObject({ forwardPasses: expect.any(Number), flat: false, timeMs: expect.any(Number) });
    expect(results.images[4]).toMatchObject({ ok: false, error: { code: 'INVALID_IMAGE' } });

    const stem = demo[0].replace(/\.png$/, '');
    for (const m of ['scorecam++', 'scorecam']) {
      const meta = await sharp(join(out, stem, `${m}.png`)).metadata();
      expect([meta.width, meta.height, meta.depth, meta.channels]).toEqual([28, 28, 'ushort', 1]);
      const map = await readMapPng(join(out, stem, `${m}.png`));
      expect(Math.max(...map.map)).toBe(1);
      expect(Math.min(...map.map)).toBe(0);
      const overlay = await sharp(join(out, stem, `${m}-overlay.png`)).metadata();
      expect([overlay.width, overlay.height, overlay.channels]).toEqual([28, 28, 3]);
    }
  });

  it('explains a chosen class instead of the predicted one', async () => {
    const out = join(dir, 'out-class');
    const img = join(demoImagesDir(), readdirSync(demoImagesDir()).find((f) => f.endsWith('.png'))!);
    expect(await runCli(['explain', '--model', demoModelPath(), '--class', '3', '--out', out, img], capture().io)).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.images[0].target).toMatchObject({ classIndex: 3, className: 'Dress' });
  });

  it('--precision fp16 scores ScoreCAM channels in half precision and records it', async () => {
    const out = join(dir, 'out-fp16');
    const c = capture();
    const img = join(demoImagesDir(), '000_ankle-boot.png');
    expect(await runCli(['explain', '--model', demoModelPath(), '--precision', 'fp16', '--out', out, img], c.io)).toBe(0);
    expect(c.stderr()).toContain('ScoreCAM scoring runs in fp16');
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.provider).toMatchObject({ used: 'cpu', precision: 'fp16', precisionFallbackReason: null });
  });

  it.each([
    [['--class', '99'], /Class 99 does not exist: this model has classes 0 to 9/],
    [['--layer', 'nope'], /"nope" is not a spatial layer of this model/],
    [['--methods', 'magic'], /Unknown method "magic"/],
    [['--ep', 'tpu'], /--ep must be one of cpu, webgpu, cuda/],
    [['--batch', '0'], /--batch must be a whole number/],
    [['--precision', 'fp8'], /--precision must be one of fp32, fp16/],
  ])('fails with exit 2 and one clear line for %j', async (extra, message) => {
    const c = capture();
    const img = join(demoImagesDir(), '000_ankle-boot.png');
    expect(await runCli(['explain', '--model', demoModelPath(), ...extra, '--out', join(dir, 'never'), img], c.io)).toBe(2);
    expect(c.stderr()).toMatch(message);
    expect(existsSync(join(dir, 'never', 'results.json'))).toBe(false);
  });

  it('still gives score-based maps on a model gradient methods cannot differentiate, and says why the others failed', async () => {
    // Conv → Relu → Sin → GlobalAveragePool → Flatten → Gemm on 28×28 grayscale: Sin has no gradient rule.
    const bytes = tinyCnnOnnx(randomTinyCnn(1, { inC: 1, h: 14, w: 14, C: 4, K: 3 }), { unaryAfterRelu: 'Sin' });
    const model = writeModel('cli-sin', bytes, { resize: 'stretch', layer: 'relu_out' });
    const out = join(dir, 'out-sin');
    const c = capture();
    expect(await runCli(['explain', '--model', model, '--methods', 'gradcam,scorecam++', '--out', out, join(demoImagesDir(), '000_ankle-boot.png')], c.io)).toBe(1);
    expect(c.stderr()).toMatch(/error: .*000_ankle-boot.png: gradcam: Gradient methods cannot differentiate the Sin operator/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.images[0].methods.gradcam.error).toMatch(/Sin operator/);
    expect(results.images[0].methods['scorecam++'].flat).toBe(false);
    expect(existsSync(join(out, '000_ankle-boot', 'scorecam++.png'))).toBe(true);
  });

  it('rejects a malformed model with exit 2', async () => {
    const bad = join(dir, 'bad.onnx');
    writeFileSync(bad, 'definitely not protobuf');
    const c = capture();
    expect(await runCli(['explain', '--model', bad, '--out', join(dir, 'o'), join(demoImagesDir(), '000_ankle-boot.png')], c.io)).toBe(2);
    expect(c.stderr()).toMatch(/^camscope: error: This file is not a valid ONNX model/);
  });

  it('stops on cancellation with exit 130 and keeps what finished', async () => {
    const controller = new AbortController();
    const c = capture();
    const io = { ...c.io, signal: controller.signal, stderr: { write: (s: string) => { if (s.startsWith('explained 10/')) controller.abort(); return c.io.stderr.write(s); } } };
    const out = join(dir, 'out-cancel');
    expect(await runCli(['explain', '--model', demoModelPath(), '--batch', '1', '--out', out, demoImagesDir()], io)).toBe(130);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.cancelled).toBe(true);
    expect(results.images).toHaveLength(10);
    expect(c.stderr()).toContain('cancelled after 10 image(s)');
  });

  it('gives usage errors for missing arguments and unknown commands', async () => {
    for (const [args, message] of [
      [['explain', '--out', 'x', 'y.png'], '--model is required'],
      [['explain', '--model', demoModelPath(), 'y.png'], '--out is required'],
      [['frobnicate'], 'Unknown command "frobnicate"'],
      [['explain', '--bogus'], "Unknown option '--bogus'"],
    ] as [string[], string][]) {
      const c = capture();
      expect(await runCli(args, c.io)).toBe(2);
      expect(c.stderr()).toContain(message);
    }
  });
});

describe('camscope demo', () => {
  it('explains all embedded sample images with no model or data of the user', async () => {
    const out = join(dir, 'demo');
    const c = capture();
    expect(await runCli(['demo', '--out', out], c.io)).toBe(0);
    expect(c.stdout()).toContain('100 of 100 image(s) explained with scorecam++, scorecam');
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const labels = new Map(readFileSync(join(demoImagesDir(), 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',') as [string, string]));
    const correct = results.images.filter((i: { file: string; target: { className: string } }) => labels.get(i.file.split('/').at(-1)!) === i.target.className).length;
    // The demo model is 91 % accurate on the Fashion-MNIST test set; its sample must look like it.
    expect(correct).toBeGreaterThanOrEqual(80);
  });
});

describe('collectImages', () => {
  it('keeps sub-folders in stems so ImageFolder layouts do not collide', () => {
    const root = join(dir, 'folders');
    mkdirSync(join(root, 'cat'), { recursive: true });
    mkdirSync(join(root, 'dog'), { recursive: true });
    writeFileSync(join(root, 'cat', '1.jpg'), 'x');
    writeFileSync(join(root, 'dog', '1.jpg'), 'x');
    writeFileSync(join(root, 'dog', 'notes.txt'), 'x');
    expect(collectImages([root]).map((i) => i.stem)).toEqual(['cat_1', 'dog_1']);
    expect(collectImages([join(root, 'cat', '1.jpg'), join(root, 'dog', '1.jpg')]).map((i) => i.stem)).toEqual(['1', '1-2']);
  });
});

describe('version', () => {
  it('matches package.json and is what --version prints', async () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect(VERSION).toBe(pkg.version);
    const c = capture();
    expect(await runCli(['--version'], c.io)).toBe(0);
    expect(c.stdout()).toBe(`${pkg.version}\n`);
  });
});
