/**
 * The Classes editor's names (src/main/workbench/class-names.ts): checked in main, saved in the project keyed by the
 * model's fingerprint, applied over the model's own names (project > sidecar > folders/labels > `class N`) in the
 * session's listings, predictions, evaluations and reports, and used by `camscope evaluate --project`.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli/run';
import { ProjectDb } from '../../../src/main/engine/evaluate/project-db';
import { checkClassNames, classNamesKey, modelNameSource, readClassNames, saveClassNames } from '../../../src/main/workbench/class-names';
import { createWorkbench, type Workbench } from '../../../src/main/workbench/index';
import type { JobContext } from '../../../src/main/workbench/ops';
import type { Prediction } from '../../../src/shared/api';
import { randomTinyCnn, tinyCnnOnnx, writeModel } from '../../helpers/tiny-models';

const DIMS = { inC: 3, h: 2, w: 2, C: 4, K: 2 };
const SIDE = { inputSize: [4, 4], resize: 'stretch' };

function tmp(name: string): string {
  return mkdtempSync(join(tmpdir(), `camscope-${name}-`));
}

/** An ImageFolder with cat/ and dog/ (sorted: cat = 0, dog = 1), two images each. */
async function imageFolder(): Promise<string> {
  const root = tmp('classes-folder');
  for (const [folder, shade] of [['cat', 30], ['dog', 200]] as const) {
    mkdirSync(join(root, folder));
    for (const k of [0, 1]) {
      await sharp(Buffer.alloc(4 * 4 * 3, shade + 10 * k), { raw: { width: 4, height: 4, channels: 3 } }).png().toFile(join(root, folder, `${k}.png`));
    }
  }
  return root;
}

function ctx(partials: unknown[] = []): JobContext {
  return { signal: new AbortController().signal, partial: (v) => partials.push(v) };
}

const load = (s: Workbench, path: string) => s.model.loadModel({ path, provider: 'cpu', precision: 'fp32', layer: 'auto' });

describe('checking class names', () => {
  it('trims names and accepts one distinct name per class', () => {
    expect(checkClassNames(['  tabby ', 'beagle'], 2)).toEqual(['tabby', 'beagle']);
  });

  it('refuses a wrong count, empty, duplicate (any case), over-long and multi-line names with one sentence each', () => {
    const refuse = (names: unknown[], count: number) => {
      try {
        checkClassNames(names, count);
      } catch (e) {
        expect((e as { code: string }).code).toBe('INVALID_ARGUMENT');
        const m = (e as Error).message;
        expect(m.split('. ').length).toBe(1); // one sentence
        return m;
      }
      throw new Error('accepted');
    };
    expect(refuse(['a'], 2)).toBe('The model has 2 classes, but 1 names were given; give one name per class.');
    expect(refuse(['a', '   '], 2)).toBe('The name of class 1 is empty; every class needs a name.');
    expect(refuse(['Cat', 'x', 'cat'], 3)).toBe('Classes 0 and 2 are both called "cat"; give each class its own name.');
    expect(refuse(['a', 'b'.repeat(101)], 2)).toMatch(/class 1 is longer than 100 characters/);
    expect(refuse(['a\nb', 'c'], 2)).toMatch(/class 0 contains a line break, tab or other control character/);
    expect(refuse(['a', 'b\u0085'], 2)).toMatch(/control character/);
    expect(refuse([1, 'b'], 2)).toBe('The name of class 0 must be text.');
  });

  it('names the source the way the editor shows it', () => {
    expect(modelNameSource('dataset', 'imagefolder')).toBe('folders');
    expect(modelNameSource('dataset', 'csv')).toBe('labels');
    expect(modelNameSource('sidecar', null)).toBe('sidecar');
    expect(modelNameSource('default', 'imagefolder')).toBe('default');
  });
});

describe('class names in the project file', () => {
  it('persist across reopening, keyed by the model fingerprint; names that no longer fit are ignored', () => {
    const path = join(tmp('classes-db'), 'p.camscope');
    let db = new ProjectDb(path);
    saveClassNames(db, 'aaa', ['tabby', 'beagle']);
    db.close();
    db = new ProjectDb(path);
    expect(readClassNames(db, 'aaa', 2)).toEqual(['tabby', 'beagle']);
    expect(readClassNames(db, 'bbb', 2)).toBeNull(); // another model is not renamed
    expect(readClassNames(db, 'aaa', 3)).toBeNull(); // a model with another output count
    db.setMeta(classNamesKey('ccc'), '{not json');
    expect(readClassNames(db, 'ccc', 2)).toBeNull();
    saveClassNames(db, 'aaa', null);
    expect(readClassNames(db, 'aaa', 2)).toBeNull();
    db.close();
  });
});

describe('class names in the workbench session', () => {
  it('project > folders > class N; labels stay matched to the model\'s own names; another model keeps its names; reopen keeps them', async () => {
    const root = await imageFolder();
    const project = join(tmp('classes-session'), 'p.camscope');
    const modelA = writeModel('classes-a', tinyCnnOnnx(randomTinyCnn(11, DIMS)), SIDE);
    const modelB = writeModel('classes-b', tinyCnnOnnx(randomTinyCnn(12, DIMS)), SIDE);
    const s = createWorkbench();
    s.project.openProject(project);
    await load(s, modelA);
    expect(s.names.classNames()).toEqual({ names: ['class 0', 'class 1'], modelNames: ['class 0', 'class 1'], modelSource: 'default', saved: false });
    s.dataset.openDataset(root);
    expect(s.names.classNames()).toMatchObject({ names: ['cat', 'dog'], modelSource: 'folders', saved: false });

    // A swap: if labels were matched to the shown names, cat/ would become class 1.
    const saved = s.names.setClassNames(['dog', ' cat ']);
    expect(saved).toEqual({ names: ['dog', 'cat'], modelNames: ['cat', 'dog'], modelSource: 'folders', saved: true });
    const listing = s.dataset.listing();
    expect(listing.classes).toEqual({ names: ['dog', 'cat'], source: 'project' });
    expect(listing.items.map((i) => [i.file, i.label])).toEqual([['cat/0.png', 0], ['cat/1.png', 0], ['dog/0.png', 1], ['dog/1.png', 1]]);

    // The image view's predictions and explained class carry the new names.
    const partials: { kind?: string; predictions?: Prediction[]; target?: { classIndex: number; className: string } }[] = [];
    await s.explanations.explain({ image: 0, classIndex: null, methods: [] }, ctx(partials));
    const image = partials.find((p) => p.kind === 'image')!;
    for (const p of image.predictions!) expect(p.className).toBe(['dog', 'cat'][p.classIndex]);
    expect(image.target!.className).toBe(['dog', 'cat'][image.target!.classIndex]);
    // The Sanity screen names the explained class the same way.
    expect(s.sanity.source().classes).toEqual(['dog', 'cat']);

    // Model B in the same project is not renamed; back to A, its names return.
    let state = await load(s, modelB);
    expect(state.inspection.profile.classes).toEqual(['cat', 'dog']);
    expect(s.names.classNames().saved).toBe(false);
    state = await load(s, modelA);
    expect(state.inspection.profile.classes).toEqual(['dog', 'cat']);
    expect(state.inspection.classesSource).toBe('project');

    // Main refuses what the editor should have refused.
    expect(() => s.names.setClassNames(['only one'])).toThrow(/2 classes, but 1 names/);
    expect(() => s.names.setClassNames(['x', 'X'])).toThrow(/both called "X"/);

    // A fresh session (the app restarted) reads them back from the project file.
    const again = createWorkbench();
    again.project.openProject(project);
    await load(again, modelA);
    again.dataset.openDataset(root);
    expect(again.names.classNames()).toMatchObject({ names: ['dog', 'cat'], saved: true });
    expect(again.names.setClassNames(null)).toMatchObject({ names: ['cat', 'dog'], saved: false });
    // Names equal to the model's own are not stored.
    expect(again.names.setClassNames(['cat', 'dog']).saved).toBe(false);
  });

  it('the project wins over the sidecar; evaluations, their report and the figure use the project names', async () => {
    const root = await imageFolder();
    const dir = tmp('classes-eval');
    const project = join(dir, 'p.camscope');
    const model = writeModel('classes-sidecar', tinyCnnOnnx(randomTinyCnn(13, DIMS)), { ...SIDE, classes: ['cat', 'dog'] });
    const s = createWorkbench();
    s.project.openProject(project);
    await load(s, model);
    s.dataset.openDataset(root);
    expect(s.names.classNames()).toMatchObject({ names: ['cat', 'dog'], modelSource: 'sidecar' });
    const summary = await s.evaluations.evaluate({ methods: ['gradcam'], sample: null, seed: 0, score: 'prob' }, ctx());
    expect(summary.settings.model.classes).toEqual(['cat', 'dog']);
    s.names.setClassNames(['Felis catus', 'Canis familiaris']);
    const detail = s.evaluations.getEvaluation(summary.id);
    expect(detail.settings.model.classes).toEqual(['Felis catus', 'Canis familiaris']);
    expect(detail.records.map((r) => r.label)).toEqual([0, 0, 1, 1]);
    expect(s.evaluations.listEvaluations()[0].settings.model.classes).toEqual(['Felis catus', 'Canis familiaris']);

    const out = join(dir, 'report');
    await s.exports.exportReport({ dir: out, evaluationId: summary.id, figureImages: [2], colormap: 'jet', opacity: 0.5 }, ctx());
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.settings.model.classes).toEqual(['Felis catus', 'Canis familiaris']);
    const svg = readFileSync(join(out, 'figure.svg'), 'utf8');
    expect(svg).toContain('dog/0.png — Canis familiaris →');
    expect(svg).not.toMatch(/— dog →/);
  });

  it('camscope evaluate --project uses the names saved in that project for that model only', async () => {
    const root = await imageFolder();
    const dir = tmp('classes-cli');
    const project = join(dir, 'p.camscope');
    const model = writeModel('classes-cli', tinyCnnOnnx(randomTinyCnn(14, DIMS)), SIDE);
    const s = createWorkbench();
    s.project.openProject(project);
    await load(s, model);
    s.dataset.openDataset(root);
    s.names.setClassNames(['Felis catus', 'Canis familiaris']);
    const err: string[] = [];
    const quiet = { stdout: { write: () => true }, stderr: { write: (t: string) => err.push(t) } };
    const out = join(dir, 'out');
    const args = ['evaluate', '--model', model, '--dataset', root, '--methods', 'gradcam', '--no-reference', '--steps', '0', '--figure', '2', '--out'];
    const code = await runCli([...args, out, '--project', project], quiet as never);
    expect(code, err.join('')).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.settings.model.classes).toEqual(['Felis catus', 'Canis familiaris']);
    expect(readFileSync(join(out, 'figure.svg'), 'utf8')).toContain('cat/0.png: Felis catus →');
    // Labels were still matched by the model's own (folder) names.
    expect(report.images.map((i: { label: number }) => i.label)).toEqual([0, 0, 1, 1]);
    // Without that project, the folder names.
    const plain = join(dir, 'plain');
    expect(await runCli([...args, plain], quiet as never)).toBe(0);
    expect(JSON.parse(readFileSync(join(plain, 'report.json'), 'utf8')).settings.model.classes).toEqual(['cat', 'dog']);
  });
});
