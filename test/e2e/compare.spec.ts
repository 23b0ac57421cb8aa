/**
 * Model vs model in the app, in Chromium against the web bridge and the real engine: the demo model (A) against a
 * tiny CNN (B) whose classes are the demo's names in another order (and whose input is a centre crop of another
 * size). A model with a class A lacks is refused in one sentence; the Comparison screen's numbers on a sample of the
 * demo images equal `camscope compare`'s compare.json on the same sample; sorting and filtering the images; a row
 * opens the image view in A | B mode, whose distances equal compare.json's for that image; the report carries the
 * comparison; a cancelled run keeps its rows and Compare goes on from them; a saved project reopens with it. Screenshots.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { randomTinyCnn, tinyCnnOnnx, writeModel } from '../helpers/tiny-models';
import { openSpecPage, presetDialog, shot } from './helpers';

test.describe.configure({ mode: 'serial' });

const DEMO_MODEL = path.resolve('resources/demo/fashion-cnn.onnx');
const DEMO_IMAGES = path.resolve('resources/demo/images');
const WORK = path.resolve('test-output/e2e-compare');
const FASHION: string[] = JSON.parse(fs.readFileSync(DEMO_MODEL.replace(/\.onnx$/, '.json'), 'utf8')).classes;
const B_CLASSES = [...FASHION].reverse();
[B_CLASSES[0], B_CLASSES[1]] = [B_CLASSES[1], B_CLASSES[0]];
const SAMPLE = 20;
const SEED = 3;

function tinyModel(name: string, classes: string[]): string {
  const m = randomTinyCnn(7, { inC: 1, h: 8, w: 6, C: 6, K: 10 });
  return writeModel(name, tinyCnnOnnx(m), { classes, inputSize: [16, 12], channels: 1, resize: 'shorter-side-crop', mean: [0.286], std: [0.353] });
}

interface CompareJson {
  summary: {
    images: number;
    compared: number;
    accuracy: { a: { fraction: number } | null; b: { fraction: number } | null };
    agreement: { agree: number; compared: number; fraction: number };
    crossTable: { classes: string[]; counts: number[][] };
    methods: Record<string, { mean_map_max_abs_diff: number; mean_map_pearson: number | null; mean_map_top20_iou: number }>;
  };
  images: { file: string; agree: boolean; methods: Record<string, { map_max_abs_diff: number; map_pearson: number | null; map_top20_iou: number }> }[];
}

let page: Page;
let problems: string[];
let modelB: string;
let cli: CompareJson;

const nav = (name: string) => page.locator('nav').getByRole('button', { name: new RegExp(`^${name}(\\s|$)`) });
const num = (v: number | null): string => (v === null ? '–' : v.toFixed(3));
const pct = (f: number | null): string => (f === null ? '–' : `${(100 * f).toFixed(1)} %`);

test.beforeAll(async ({ browser }) => {
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  modelB = tinyModel('e2e-compare-b', B_CLASSES);
  // The reference: the CLI on the same sample of the same images, in a project of its own.
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main/cli/main.ts', 'compare', '--model', DEMO_MODEL, '--model', modelB,
    '--dataset', DEMO_IMAGES, '--labels', path.join(DEMO_IMAGES, 'labels.csv'), '--methods', 'gradcam', '--sample', String(SAMPLE), '--seed', String(SEED),
    '--figure', '0', '--out', path.join(WORK, 'cli')], { encoding: 'utf8', timeout: 170_000 });
  expect(r.status, r.stderr).toBe(0);
  cli = JSON.parse(fs.readFileSync(path.join(WORK, 'cli', 'compare.json'), 'utf8')) as CompareJson;
  ({ page, problems } = await openSpecPage(browser));
});

test.afterAll(async () => {
  await page?.close();
});

test('a second model with a class the demo lacks is refused in one sentence; the reordered one opens', async () => {
  await nav('Start').click();
  await page.locator('[data-action=demo]').click();
  await expect(page.getByText('Predictions ready')).toBeVisible({ timeout: 60_000 });
  await nav('Comparison').click();
  await expect(page.getByRole('heading', { name: 'Model comparison' })).toBeVisible();
  await presetDialog(page.request, 'openModel', tinyModel('e2e-compare-odd', [...FASHION.slice(0, 9), 'Umbrella']));
  await page.getByTestId('compare-open').click();
  await expect(page.getByRole('alert')).toContainText(/cannot be compared: class "Ankle boot" of fashion-cnn\.onnx is not a class of e2e-compare-odd\.onnx/);
  await expect(page.getByTestId('compare-model-b')).toContainText('no second model open');
  await presetDialog(page.request, 'openModel', modelB);
  await page.getByTestId('compare-open').click();
  await expect(page.getByTestId('compare-model-b')).toContainText('e2e-compare-b.onnx');
  await expect(page.getByTestId('compare-model-b')).toContainText('10 classes, in another order (matched by name)');
});

test("the Comparison screen's numbers equal camscope compare's compare.json on the same sample", async () => {
  await page.getByLabel('A sample of').check();
  await page.getByLabel('Sample size').fill(String(SAMPLE));
  await page.getByLabel('Seed').fill(String(SEED));
  await page.getByTestId('compare-run').click();
  await expect(page.getByTestId('compare-summary')).toBeVisible({ timeout: 120_000 });
  const s = cli.summary;
  await expect(page.getByTestId('compare-compared')).toContainText(`${s.compared}images compared (of ${s.images}; 0 failed)`);
  await expect(page.getByTestId('compare-agreement')).toContainText(`${pct(s.agreement.fraction)}prediction agreement (${s.agreement.agree} of ${s.agreement.compared})`);
  await expect(page.getByTestId('compare-accuracy-a')).toContainText(pct(s.accuracy.a?.fraction ?? null));
  await expect(page.getByTestId('compare-accuracy-b')).toContainText(pct(s.accuracy.b?.fraction ?? null));
  const m = s.methods.gradcam;
  await expect(page.getByTestId('compare-methods').locator('tr[data-method=gradcam] td')).toHaveText(['Grad-CAM', num(m.mean_map_max_abs_diff), num(m.mean_map_pearson), num(m.mean_map_top20_iou), String(s.compared)]);
  const cross = page.getByTestId('compare-cross-table');
  await expect(cross.locator('thead th')).toHaveText(['A ↓ · B →', ...s.crossTable.classes]);
  for (const [i, row] of s.crossTable.counts.entries()) {
    await expect(cross.locator('tbody tr').nth(i).locator('td')).toHaveText(row.map(String));
  }
  // The images, "looks differently" first: the CLI's order, its numbers.
  const rows = page.getByTestId('compare-images').locator('tbody tr');
  await expect(rows).toHaveCount(cli.images.length);
  for (const [i, img] of cli.images.entries()) {
    const row = rows.nth(i);
    await expect(row).toHaveAttribute('data-file', img.file);
    const d = img.methods.gradcam;
    await expect(row.locator('td[data-col]')).toHaveText([num(d.map_max_abs_diff), num(d.map_pearson), num(d.map_top20_iou)]);
  }
  await shot(page, 'compare-screen');
});

test('the table sorts by the distances and filters by agreement', async () => {
  const rows = page.getByTestId('compare-images').locator('tbody tr');
  await page.getByTestId('compare-sort').selectOption('iou');
  const ious = cli.images.map((i) => i.methods.gradcam.map_top20_iou).sort((x, y) => x - y);
  await expect(rows.locator('td[data-col=iou]')).toHaveText(ious.map(num));
  await page.getByTestId('compare-filter').selectOption('disagree');
  await expect(rows).toHaveCount(cli.images.filter((i) => !i.agree).length);
  await page.getByTestId('compare-filter').selectOption('all');
  await page.getByTestId('compare-sort').selectOption('difference');
});

test('a row opens the image in A | B mode: both maps per method, the distances equal compare.json', async () => {
  const first = cli.images[0];
  await page.getByTestId('compare-images').locator(`tbody tr[data-file="${first.file}"]`).click();
  await expect(page.getByRole('heading', { name: first.file })).toBeVisible();
  await expect(page.getByTestId('pair-toggle')).toHaveAttribute('aria-pressed', 'true');
  const card = page.getByTestId('pair-grid').locator('article[data-method=gradcam]');
  await expect(card).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  const d = first.methods.gradcam;
  await expect(card.locator('dd')).toHaveText([num(d.map_max_abs_diff), num(d.map_pearson), num(d.map_top20_iou)]);
  await expect(card.locator('canvas')).toHaveCount(2);
  await expect(page.getByTestId('pair-grid').locator('article[data-state=done]').first()).toBeVisible();
  await page.waitForTimeout(500);
  await shot(page, 'compare-image-pairs');
  // The toggle goes back to one card per method.
  await page.getByTestId('pair-toggle').click();
  await expect(page.getByTestId('method-grid')).toBeVisible();
  await page.getByTestId('pair-toggle').click();
  await expect(page.getByTestId('pair-grid')).toBeVisible();
  // Back on the Comparison screen the result is still there (kept in the project).
  await page.getByTestId('image-back').click();
  await expect(page.getByTestId('compare-summary')).toBeVisible();
  expect(problems).toEqual([]);
});

test('an exported report includes the comparison section when its box is checked', async () => {
  await nav('Evaluation').click();
  await page.getByLabel('Sample size').fill('4');
  await page.getByRole('button', { name: 'Run evaluation' }).click();
  await expect(page.getByTestId('drilldown').locator('tbody tr')).toHaveCount(4, { timeout: 180_000 });
  const dir = path.join(WORK, 'report-with-comparison');
  await presetDialog(page.request, 'exportReport', dir);
  await page.locator('.topbar').getByRole('button', { name: 'Report' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export report' });
  const box = dialog.getByLabel(/Include the model comparison/);
  await expect(box).toBeChecked();
  await expect(dialog.getByTestId('export-comparison')).toContainText('fashion-cnn.onnx vs e2e-compare-b.onnx');
  await shot(page, 'export-report-comparison');
  await page.getByTestId('export-report').click();
  await expect(page.getByTestId('export-done')).toBeVisible({ timeout: 120_000 });
  await dialog.getByRole('button', { name: 'Done' }).click();
  const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
  expect(html).toContain('<section class="comparison" id="comparison">');
  const m = cli.summary.methods.gradcam;
  expect(html).toContain(`<td>${num(m.mean_map_max_abs_diff)}</td><td>${num(m.mean_map_pearson)}</td><td>${num(m.mean_map_top20_iou)}</td>`);
  expect(html).toContain(`prediction agreement (${cli.summary.agreement.agree} of ${cli.summary.agreement.compared})`);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
  expect(json.comparison.summary.agreement.agree).toBe(cli.summary.agreement.agree);
  expect(fs.existsSync(path.join(dir, 'comparison.csv'))).toBe(true);
  expect(problems).toEqual([]);
});

test('a run cancelled part-way keeps the images it compared, and Compare goes on from there', async () => {
  await nav('Comparison').click();
  // Score-CAM on every image: slow enough (one masked pass per channel, in both models) to cancel part-way.
  await page.getByLabel('A sample of').uncheck();
  const scorecam = page.locator('.run-form').getByRole('button', { name: 'Score-CAM', exact: true });
  await scorecam.click();
  await expect(scorecam).toHaveAttribute('aria-pressed', 'true');
  await page.getByTestId('compare-run').click();
  await expect(page.getByTestId('compare-progress')).toContainText(/[1-9]\d* of \d+ images/, { timeout: 120_000 });
  await page.getByTestId('compare-cancel').click();
  const stopped = page.getByTestId('compare-stopped');
  await expect(stopped).toBeVisible({ timeout: 60_000 });
  const kept = Number(/Stopped after (\d+) image/.exec(await stopped.innerText())![1]);
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThan(100);
  await expect(page.getByTestId('compare-images').locator('tbody tr')).toHaveCount(kept);
  await shot(page, 'compare-stopped');
  // Again: the images compared before the cancel (and the first run's) come from the project.
  await page.getByTestId('compare-run').click();
  await expect(page.getByTestId('compare-summary')).toBeVisible({ timeout: 300_000 });
  await expect(stopped).toBeHidden();
  const heading = await page.getByTestId('compare-summary').locator('h2').innerText();
  const resumed = Number(/· (\d+) from the project/i.exec(heading)?.[1] ?? 0);
  expect(resumed).toBeGreaterThanOrEqual(kept);
  await expect(page.getByTestId('compare-compared')).toContainText('100images compared (of 100; 0 failed)');
  expect(problems).toEqual([]);
});

test('a saved project reopens with its comparison on the Comparison screen', async ({ request }) => {
  await presetDialog(request, 'saveProject', path.join(WORK, 'compared'));
  await page.getByRole('button', { name: 'Save project…' }).click();
  await expect(page.locator('.topbar .project')).toContainText('compared');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'See what your classifier looks at' })).toBeVisible();
  await page.locator('.recent').getByRole('button', { name: /compared/ }).click();
  await expect(page.getByTestId('visible-count')).toHaveText('100 of 100', { timeout: 60_000 });
  await nav('Comparison').click();
  await expect(page.getByTestId('compare-summary')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('compare-compared')).toContainText('100images compared (of 100; 0 failed)');
  await expect(page.getByTestId('compare-images').locator('tbody tr')).toHaveCount(100);
  await shot(page, 'compare-reopened');
  expect(problems).toEqual([]);
});
