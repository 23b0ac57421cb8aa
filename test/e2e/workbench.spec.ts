/**
 * The workbench end to end, in Chromium against the web bridge and the real engine: the demo, browsing (filters and
 * keyboard), one image with every method, another class, faithfulness, the compare view, annotations that survive
 * a reload (and an engine crash), an evaluation, figure and report exports, a 10,000-image folder, the model panel.
 * Screenshots of each main screen go to test-output/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect, test, type Page } from '@playwright/test';
import { randomTinyCnn, tinyCnnOnnx } from '../helpers/tiny-models';
import { crashEngine, presetDialog, shellCalls, shot, openSpecPage } from './helpers';

const WORK = path.resolve('test-output/e2e-work');
/** Every method of the registry is shown in the image view (asked of the app, so a new method does not break the suite). */
let METHOD_COUNT = 0;

test.describe.configure({ mode: 'serial' });

let page: Page;
let problems: string[];

test.beforeAll(async ({ browser }) => {
  ({ page, problems } = await openSpecPage(browser, { work: WORK }));
  METHOD_COUNT = ((await page.evaluate(`window.camscope.invoke('methods:list')`)) as unknown[]).length;
});

test.afterAll(async () => {
  await page?.close();
});

const grid = () => page.getByTestId('thumb-grid');
const visibleCount = () => page.getByTestId('visible-count');
const cards = () => page.locator('[data-method]');
const nav = (name: string) => page.locator('nav').getByRole('button', { name: new RegExp(`^${name}(\\s|$)`) });

async function waitForAllMaps(): Promise<void> {
  await expect(cards()).toHaveCount(METHOD_COUNT);
  await expect(page.locator('[data-method][data-state=done]')).toHaveCount(METHOD_COUNT, { timeout: 120_000 });
}

test('the start screen offers the demo, opening files and recent projects', async () => {
  await expect(page.getByRole('heading', { name: 'See what your classifier looks at' })).toBeVisible();
  for (const action of ['demo', 'model', 'folder', 'project']) await expect(page.locator(`[data-action=${action}]`)).toBeEnabled();
  await expect(page.getByText('No recent projects yet')).toBeVisible();
  await shot(page, '01-start');
});

test('try the demo: the model and its 100 images open, predictions fill in', async () => {
  await page.locator('[data-action=demo]').click();
  await expect(page.getByRole('heading', { name: 'images' })).toBeVisible();
  await expect(visibleCount()).toHaveText('100 of 100');
  await expect(page.getByText('Predictions ready')).toBeVisible();
  await expect(page.getByTestId('accuracy')).toContainText('accuracy');
  await expect(grid().locator('.cell img').first()).toBeVisible();
  await shot(page, '02-browser');
});

test('browse: filters by correctness, label and confidence, and keyboard navigation', async () => {
  const wrong = page.getByRole('radiogroup', { name: 'Correct or wrong' });
  await wrong.getByRole('radio', { name: 'Wrong' }).click();
  const wrongCount = Number((await visibleCount().innerText()).split(' ')[0]);
  expect(wrongCount).toBeGreaterThan(0);
  expect(wrongCount).toBeLessThan(100);
  await expect(grid().locator('.cell .pred.good')).toHaveCount(0);
  await expect(grid().locator('.cell .pred.bad')).toHaveCount(wrongCount);
  await shot(page, '03-browser-wrong');
  await wrong.getByRole('radio', { name: 'Correct' }).click();
  await expect(visibleCount()).toHaveText(`${100 - wrongCount} of 100`);
  await wrong.getByRole('radio', { name: 'All' }).click();

  await page.getByLabel('True label').selectOption({ label: 'Trouser' });
  const trousers = await grid().locator('.cell').count();
  expect(trousers).toBeGreaterThan(0);
  for (const truth of await grid().locator('.cell .truth').allInnerTexts()) expect(truth).toBe('Trouser');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(visibleCount()).toHaveText('100 of 100');

  // Confidence is one of the less-used filters, in the More filters popover.
  await page.getByTestId('more-filters').click();
  await page.getByLabel('Lowest confidence').fill('99');
  const confident = Number((await visibleCount().innerText()).split(' ')[0]);
  expect(confident).toBeLessThan(100);
  for (const text of await grid().locator('.cell .pred').allInnerTexts()) expect(Number(text.match(/(\d+)%/)![1])).toBeGreaterThanOrEqual(99);
  await page.getByRole('button', { name: 'Clear filters' }).click();

  // Keyboard: the cursor follows the arrows; rows are as wide as the grid's columns.
  const cols = await grid().locator('.row').first().locator('.cell').count();
  const cursor = () => grid().locator('.cell.cursor');
  await grid().focus();
  await page.keyboard.press('Home');
  await expect(cursor()).toHaveAttribute('data-index', '0');
  await page.keyboard.press('ArrowRight');
  await expect(cursor()).toHaveAttribute('data-index', '1');
  await page.keyboard.press('ArrowDown');
  await expect(cursor()).toHaveAttribute('data-index', String(1 + cols));
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(cursor()).toHaveAttribute('data-file', '003_trouser.png');

  // Record the order in which the maps arrive, then open the image with Enter.
  // (Browser-side code as a string: this project's Node type-check has no DOM library.)
  await page.evaluate(`window.arrivals = [];
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target;
        if (r.attributeName === 'data-state' && el.dataset.state === 'done' && el.dataset.method) window.arrivals.push(el.dataset.method);
      }
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-state'] });`);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: '003_trouser.png' })).toBeVisible();
});

test('image view: every method side by side, fast ones first', async () => {
  await waitForAllMaps();
  await expect(page.getByText('True label').locator('..')).toContainText('Trouser');
  const order = await cards().evaluateAll((els) => els.map((e) => e.getAttribute('data-method')));
  // The score methods come after the gradient ones (the random yardstick, when listed, is last of all).
  expect(order.filter((m) => m !== 'random').slice(-2)).toEqual(['scorecam', 'scorecam++']);
  const arrivals = (await page.evaluate('window.arrivals')) as string[];
  const firstSlow = arrivals.findIndex((m) => m.startsWith('scorecam'));
  expect(arrivals.slice(0, firstSlow)).toEqual(expect.arrayContaining(['gradcam', 'layercam']));
  await expect(page.locator('.colorbar')).toBeVisible();
  // Tooltips in plain words, not citations: what a method shows, what good looks like, when it misleads.
  await expect(page.getByRole('group', { name: 'Methods' }).locator('.chip').first()).toHaveAttribute('title', /^Grad-CAM: .+\nGood: .+\nMisleads when: /);
  await expect(page.locator('[data-method=gradcam] footer .muted').first()).toHaveAttribute('title', /milliseconds/);
  await page.getByLabel('Colormap').selectOption('viridis');
  await page.getByLabel('Map opacity').fill('0.6');
  await shot(page, '04-image');
  await page.getByLabel('Colormap').selectOption('jet');
  await page.getByLabel('Map opacity').fill('0.5');
});

test('image view: explain another class', async () => {
  await page.getByTestId('class-picker').selectOption({ label: 'Pullover' });
  await expect(page.getByText('Maps show why the model would say')).toContainText('Pullover');
  await waitForAllMaps();
  await expect(page.locator('.top5 .row.explained')).toContainText('Pullover');
  // A class the model hardly gives: the maps still draw, and the view says the evidence is weak.
  await expect(page.getByTestId('weak-evidence')).toContainText(/Weak evidence: the model gives Pullover only \d+\.\d %/);
  await page.getByTestId('class-picker').selectOption({ index: 0 });
  await waitForAllMaps();
  await expect(page.locator('.top5 .row.explained')).toContainText('Trouser');
  await expect(page.getByTestId('weak-evidence')).toHaveCount(0);
});

test('image view: Average Drop and Increase in Confidence per method on demand', async () => {
  await page.getByTestId('measure').click();
  await expect(page.getByTestId('faithfulness')).toHaveCount(METHOD_COUNT);
  for (const text of await page.getByTestId('faithfulness').allInnerTexts()) expect(text).toMatch(/Drop \d+\.\d %/);
});

test('image view: enlarge a map and compare two methods with swipe and blend', async () => {
  await page.locator('[data-method=gradcam] button.view').click();
  const dialog = page.getByRole('dialog', { name: 'Compare explanations' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('First method')).toHaveValue('gradcam');
  await expect(dialog.getByLabel('Second method')).toHaveValue('scorecam++');
  await expect(dialog.getByLabel('Swipe position')).toBeVisible();
  await dialog.getByLabel('Swipe position').fill('0.35');
  await shot(page, '05-compare-swipe');
  await expect(dialog.locator('.colorbar')).toBeVisible();
  await dialog.getByRole('radio', { name: 'Blend' }).click();
  await expect(dialog.getByLabel('Blend amount')).toBeVisible();
  // Blend fades the image into one method's map (never two colour maps mixed): no second method to pick.
  await expect(dialog.getByLabel('Second method')).toHaveCount(0);
  await expect(dialog.getByTestId('compare-legend')).toContainText(/Image \d+ %/);
  await expect(dialog.getByTestId('compare-legend')).toContainText(/Grad-CAM map \d+ %/);
  await expect(dialog.locator('.colorbar')).toBeVisible();
  await shot(page, '05b-compare-blend');
  await dialog.getByRole('radio', { name: 'Side by side' }).click();
  await expect(dialog.locator('figure')).toHaveCount(2);
  await expect(dialog.locator('.colorbar')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});

test('image view: zoom and pan with the wheel, the keyboard and the buttons, the same on every map', async () => {
  const stage = page.locator('.main-image .zoomable');
  const level = page.getByTestId('zoom-level');
  await expect(level).toHaveText('100 %');
  const box = (await stage.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
  await page.mouse.wheel(0, -200);
  await expect(level).toHaveText('125 %');
  await page.mouse.wheel(0, -200);
  await expect(level).toHaveText('156 %');
  // Every map card shows the same region as the main image.
  const zooms = await page.locator('[data-method] .zoomable').evaluateAll((els) => els.map((e) => e.getAttribute('data-zoom')));
  expect(zooms.length).toBe(METHOD_COUNT);
  expect(new Set(zooms)).toEqual(new Set(['1.56']));
  const transform = () => page.locator('[data-method=gradcam] .zoomable .content').getAttribute('style');
  expect(await transform()).toBe(await stage.locator('.content').getAttribute('style'));
  // Dragging pans (the point under the wheel stayed put, so the view is already shifted; a drag shifts it more).
  const before = await transform();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.6, { steps: 4 });
  await page.mouse.up();
  expect(await transform()).not.toBe(before);
  await shot(page, '04b-image-zoomed');
  await page.keyboard.press('0');
  await expect(level).toHaveText('100 %');
  await page.keyboard.press('+');
  await expect(level).toHaveText('125 %');
  await page.keyboard.press('-');
  await expect(level).toHaveText('100 %');
  await page.getByRole('button', { name: 'Zoom in' }).click();
  await page.getByRole('button', { name: 'Fit' }).click();
  await expect(level).toHaveText('100 %');
});

test('annotate: a rectangle and a point with labels and a note', async () => {
  const layer = page.getByTestId('annotation-layer');
  const box = (await layer.boundingBox())!;
  await page.locator('[data-tool=rect]').click();
  await page.mouse.move(box.x + box.width * 0.28, box.y + box.height * 0.05);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.72, box.y + box.height * 0.22, { steps: 6 });
  await page.mouse.up();
  await page.getByLabel('Annotation label').fill('waistband');
  await page.getByLabel('Annotation note').fill('The model should look here first');
  await page.getByRole('button', { name: 'Save annotation' }).click();
  await expect(page.locator('[data-annotation-item]')).toHaveCount(1);
  await page.locator('[data-tool=point]').click();
  await page.mouse.click(box.x + box.width * 0.42, box.y + box.height * 0.9);
  await page.getByLabel('Annotation label').fill('hem');
  await page.getByRole('button', { name: 'Save annotation' }).click();
  await expect(page.locator('[data-annotation-item]')).toHaveCount(2);
  // A polygon: three corners, then a click on the first one closes it.
  await page.locator('[data-tool=polygon]').click();
  const corners: [number, number][] = [[0.3, 0.45], [0.48, 0.45], [0.4, 0.8]];
  for (const [x, y] of corners) await page.mouse.click(box.x + box.width * x, box.y + box.height * y);
  await page.mouse.click(box.x + box.width * corners[0][0], box.y + box.height * corners[0][1]);
  await page.getByLabel('Annotation label').fill('left leg');
  await page.getByRole('button', { name: 'Save annotation' }).click();
  await page.locator('[data-tool=select]').click();
  await expect(page.locator('[data-annotation-item]')).toHaveCount(3);
  await expect(layer.locator('g.shape')).toHaveCount(3);
  await expect(layer.locator('g.shape text')).toHaveText(['waistband', 'hem', 'left leg']);
  await expect(layer.locator('g.shape polygon')).toHaveCount(1);
  await layer.scrollIntoViewIfNeeded();
  await shot(page, '06-annotations-image');
});

test('annotations: select with handles, move, resize, undo and redo, delete with an undo toast', async () => {
  const layer = page.getByTestId('annotation-layer');
  await page.locator('[data-tool=select]').click();
  const listed = async () =>
    ((await page.evaluate(`window.camscope.invoke('annotations:list', {})`)) as { id: number; label: string; points: number[][] }[]);
  const waistband = async () => (await listed()).find((a) => a.label === 'waistband')!;
  const original = (await waistband()).points;
  const box = (await layer.boundingBox())!;
  // Select the rectangle: four corner handles.
  await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.12);
  await expect(layer.locator('g.shape.selected')).toHaveCount(1);
  await expect(layer.locator('g.shape.selected .handle')).toHaveCount(4);
  // Move it down by a fifth of the image.
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.12);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.32, { steps: 5 });
  await page.mouse.up();
  await expect.poll(async () => (await waistband()).points[0][1]).toBeGreaterThan(original[0][1] + 3);
  const moved = (await waistband()).points;
  // Undo puts it back, redo moves it again.
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await waistband()).points).toEqual(original);
  await page.keyboard.press('Control+Shift+z');
  await expect.poll(async () => (await waistband()).points).toEqual(moved);
  // Resize with the bottom-right handle.
  const handle = (await layer.locator('g.shape.selected .handle[data-handle="2"]').boundingBox())!;
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(handle.x + handle.width / 2 + box.width * 0.1, handle.y + handle.height / 2 + box.height * 0.1, { steps: 5 });
  await page.mouse.up();
  await expect.poll(async () => (await waistband()).points[1][0]).toBeGreaterThan(moved[1][0] + 1);
  await shot(page, '06b-annotation-selected');
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await waistband()).points).toEqual(original);
  // Delete with the Delete key: gone at once, and the toast's Undo brings it back.
  await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.12);
  await expect(layer.locator('g.shape.selected')).toHaveCount(1);
  await page.keyboard.press('Delete');
  await expect(page.locator('[data-annotation-item]')).toHaveCount(2);
  const toast = page.locator('.toasts .toast').filter({ hasText: 'Deleted “waistband”' });
  await expect(toast).toBeVisible();
  await toast.getByRole('button', { name: 'Undo' }).click();
  await expect(page.locator('[data-annotation-item]')).toHaveCount(3);
  expect((await waistband()).points).toEqual(original);
  await expect(layer.locator('g.shape text')).toHaveText(['hem', 'left leg', 'waistband']);
  // Annotations are drawn on every map card too (and can be switched off).
  await expect(page.locator('[data-method=gradcam] [data-testid=map-annotations] g')).toHaveCount(3);
  await page.getByLabel('Annotations on maps').uncheck();
  await expect(page.locator('[data-testid=map-annotations]')).toHaveCount(0);
  await page.getByLabel('Annotations on maps').check();
});

test('save the project, crash the engine, reload: the project reopens with its annotations', async ({ request }) => {
  const projectFile = path.join(WORK, 'study.camscope');
  await presetDialog(request, 'saveProject', path.join(WORK, 'study'));
  await page.getByRole('button', { name: 'Save project…' }).click();
  await expect(page.locator('.topbar .project')).toContainText('study');
  expect(fs.existsSync(projectFile)).toBe(true);

  await crashEngine(request);
  await expect(page.getByText('The analysis engine stopped (it was killed).')).toBeVisible();

  await page.reload();
  await expect(page.getByRole('heading', { name: 'See what your classifier looks at' })).toBeVisible();
  const recent = page.locator('.recent').getByRole('button', { name: /study/ });
  await expect(recent).toBeVisible();
  await recent.click();
  await expect(visibleCount()).toHaveText('100 of 100');
  await expect(nav('Annotations')).toContainText('3');
  await nav('Annotations').click();
  await expect(page.locator('tbody tr')).toHaveCount(3);
  await expect(page.locator('tbody')).toContainText('waistband');
  await expect(page.locator('tbody')).toContainText('The model should look here first');
  await shot(page, '07-annotations');

  await presetDialog(request, 'saveCoco', path.join(WORK, 'annotations.coco.json'));
  await page.getByRole('button', { name: 'Export COCO JSON…' }).click();
  await expect.poll(() => fs.existsSync(path.join(WORK, 'annotations.coco.json'))).toBe(true);
  const coco = JSON.parse(fs.readFileSync(path.join(WORK, 'annotations.coco.json'), 'utf8'));
  expect(coco.categories.map((c: { name: string }) => c.name)).toEqual(['hem', 'left leg', 'waistband']);
  expect(coco.annotations.map((a: { attributes: { kind: string } }) => a.attributes.kind).sort()).toEqual(['point', 'polygon', 'rect']);
  expect(coco.images[0]).toMatchObject({ file_name: '003_trouser.png', width: 28, height: 28 });

  await page.locator('tbody').getByRole('button', { name: '003_trouser.png' }).first().click();
  await expect(page.getByTestId('annotation-layer').locator('g.shape')).toHaveCount(3);
});

test('evaluation: 20 images, progress, the paper-form table, chart and drill-down', async () => {
  await nav('Evaluation').click();
  await page.getByLabel('Sample size').fill('20');
  await page.getByRole('button', { name: 'Run evaluation' }).click();
  await expect(page.getByTestId('eval-progress')).toBeVisible();
  const table = page.getByTestId('metric-table');
  await expect(table).toBeVisible({ timeout: 120_000 });
  // The random reference is on by default: the last column, a line to beat that is never starred.
  await expect(table.locator('thead th')).toHaveText(['Metric', 'Grad-CAM', 'Grad-CAM++', 'XGrad-CAM', 'LayerCAM', 'Score-CAM', 'ScoreCAM++', 'Random (reference)']);
  await expect(table.locator('td.ref.best')).toHaveCount(0);
  await expect(table.locator('tbody th').first()).toContainText('Average Drop');
  await expect(table.locator('tbody th').first()).toHaveAttribute('title', /confidence.+\nGood: Low/);
  await expect(table.locator('tbody tr.count th')).toHaveAttribute('title', /same value everywhere/);
  // A star only where the metric separates the methods; a row where every method scores the same says so instead.
  const rows = await table.locator('tbody tr').count();
  for (let r = 0; r < rows - 1; r++) {
    const row = table.locator('tbody tr').nth(r);
    const values = (await row.locator('td:not(.ref)').allInnerTexts()).map((t) => t.replace('★', '').trim());
    const tie = new Set(values).size === 1;
    const stars = await row.locator('td.best').count();
    if (tie) expect(stars, `row ${r}: ${values.join(' ')}`).toBe(0);
    else expect(stars, `row ${r}: ${values.join(' ')}`).toBeGreaterThan(0);
    await expect(row.locator('th')).toContainText(tie ? 'same for every method' : 'better');
    if (tie) await expect(row).toHaveAttribute('data-tie', 'true');
  }
  // The run is named by model, layer, images and date, and it is a run of the open model (no "other model" marker).
  await expect(page.getByLabel('Evaluation run').locator('option').first()).toContainText(/#\d+ · fashion-cnn\.onnx · features\.12 › ReLU · images · /);
  await expect(page.getByTestId('other-run')).toHaveCount(0);
  await expect(page.getByTestId('metric-chart')).toBeVisible();
  await expect(page.getByTestId('drilldown').locator('tbody tr')).toHaveCount(20);
  await shot(page, '08-evaluation');
  await page.getByTestId('drilldown').locator('tbody tr').first().click();
  await expect(page.locator('[data-method]').first()).toBeVisible();
  // Back from the drill-down's image returns to the evaluation, not to the image grid.
  await expect(page.getByTestId('image-back')).toHaveText('Evaluation');
  await page.getByTestId('image-back').click();
  await expect(page.getByRole('heading', { name: 'Evaluation', exact: true })).toBeVisible();
  await expect(page.getByTestId('metric-table')).toBeVisible();
});

test('export a figure (PNG and SVG) of chosen images × methods', async ({ request }) => {
  const dir = path.join(WORK, 'figure');
  await presetDialog(request, 'exportFigure', dir);
  await page.locator('.topbar').getByRole('button', { name: 'Figure' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export figure' });
  await dialog.getByRole('radio', { name: /The first/ }).check();
  await dialog.getByLabel('Number of images').fill('3');
  await dialog.getByRole('button', { name: 'Augmented Grad-CAM++' }).click();
  await dialog.getByRole('button', { name: 'HiResCAM' }).click();
  // The random yardstick (when the registry lists it) is not part of a figure either.
  const random = dialog.getByRole('button', { name: 'Random', exact: true });
  if (await random.count()) await random.click();
  await expect(page.getByTestId('export-figure')).toHaveText(/Export 3 × 6/);
  await shot(page, '09-export-figure');
  await page.getByTestId('export-figure').click();
  await expect(page.getByTestId('export-done')).toBeVisible({ timeout: 120_000 });
  for (const f of ['figure.png', 'figure.svg']) expect(fs.statSync(path.join(dir, f)).size).toBeGreaterThan(1000);
  expect(fs.readFileSync(path.join(dir, 'figure.svg'), 'utf8')).toContain('ScoreCAM++');
  // The export ends with Open and Show in folder (main acts only on the files it just wrote).
  await shot(page, '09b-export-done');
  await dialog.getByTestId('export-open').click();
  await dialog.getByTestId('export-show').click();
  await dialog.getByRole('button', { name: 'figure.svg' }).click();
  await expect.poll(() => shellCalls(request)).toEqual([
    { action: 'open', path: path.join(dir, 'figure.png') },
    { action: 'show', path: path.join(dir, 'figure.png') },
    { action: 'open', path: path.join(dir, 'figure.svg') },
  ]);
  // A path the app did not write is refused.
  const refused = await page.evaluate(`window.camscope.invoke('export:open', { path: ${JSON.stringify(path.join(WORK, 'study.camscope'))} }).then(() => 'opened', (e) => e.message)`);
  expect(refused).toMatch(/only files it has just exported, and study\.camscope is not one of them/);
  await dialog.getByRole('button', { name: 'Done' }).click();
});

test('export a report (HTML, PDF, CSV, JSON and its figure)', async ({ request }) => {
  const dir = path.join(WORK, 'report');
  await presetDialog(request, 'exportReport', dir);
  await page.locator('.topbar').getByRole('button', { name: 'Report' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export report' });
  await expect(dialog.getByLabel('Evaluation run')).toBeVisible();
  await page.getByTestId('export-report').click();
  await expect(page.getByTestId('export-done')).toBeVisible({ timeout: 120_000 });
  for (const f of ['report.html', 'report.pdf', 'report.csv', 'report.json', 'figure.png', 'figure.svg']) {
    expect(fs.statSync(path.join(dir, f)).size).toBeGreaterThan(100);
  }
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
  expect(JSON.stringify(json)).toContain('scorecam++');
  await dialog.getByRole('button', { name: 'Done' }).click();
});

test('the model panel: provider chooser falls back clearly, precision is chosen and kept, the target layer can be changed', async () => {
  await nav('Model').click();
  await expect(page.getByRole('heading', { name: 'fashion-cnn.onnx' })).toBeVisible();
  await expect(page.getByTestId('provider-used')).toHaveText('CPU');
  // The layer picker: blocks grouped by module, friendly names with the raw name on hover, the default explained.
  const strip = page.getByRole('radiogroup', { name: 'Target layer' });
  await expect(strip.locator('[data-group="features"]')).toBeVisible();
  const defaultBlock = strip.locator('.layer.default');
  await expect(defaultBlock).toContainText('features.12 › ReLU');
  await expect(defaultBlock).toContainText('64 × 14 × 14');
  await expect(defaultBlock).toHaveAttribute('title', /^\/features\/features\.12\/Relu_output_0/);
  await expect(page.getByTestId('default-layer-why')).toContainText('last spatial layer before global pooling');
  const layers = page.locator('input[name=target-layer]');
  const count = await layers.count();
  expect(count).toBeGreaterThan(1);
  await layers.nth(count - 2).check();
  await expect(page.locator('.layer.chosen')).not.toContainText('default');
  await layers.nth(count - 1).check();
  await expect(page.locator('.layer.chosen')).toContainText('default');

  // The layer sweep: Grad-CAM at the last six layers side by side; "Use this layer" switches to it.
  await page.getByTestId('sweep-run').click();
  const sweep = page.getByTestId('layer-sweep');
  await expect(sweep.locator('figure')).toHaveCount(Math.min(6, count), { timeout: 120_000 });
  await expect(sweep.locator('figure canvas')).toHaveCount(Math.min(6, count));
  await expect(sweep.locator('figure.chosen')).toContainText('in use');
  await shot(page, '10-model');
  await sweep.locator('figure').first().getByRole('button', { name: 'Use this layer' }).click();
  await expect(sweep.locator('figure').first()).toHaveClass(/chosen/, { timeout: 60_000 });
  await expect(sweep.locator('figure')).toHaveCount(Math.min(6, count));
  await layers.nth(count - 1).check();
  await expect(page.locator('.layer.chosen')).toContainText('default');
  await page.getByRole('radiogroup', { name: 'Execution provider' }).getByRole('radio', { name: 'CUDA' }).click();
  await expect(page.locator('.fallback').or(page.getByText('Running on CUDA as requested.'))).toBeVisible({ timeout: 60_000 });
  await page.getByRole('radiogroup', { name: 'Execution provider' }).getByRole('radio', { name: 'CPU' }).click();
  await expect(page.getByText('Running on CPU as requested.')).toBeVisible({ timeout: 60_000 });

  // Precision: fp32 by default; fp16 reopens the model with it, is shown next to the provider, and is kept.
  const precision = page.getByRole('combobox', { name: 'Precision' });
  await expect(precision).toHaveValue('fp32');
  await expect(page.getByTestId('precision-used')).toHaveText('FP32');
  await precision.selectOption('fp16');
  // fp16 is tried when ScoreCAM first scores, so right after the reload it is the precision in use.
  await expect(page.getByTestId('precision-used')).toHaveText('FP16', { timeout: 60_000 });
  await expect(page.getByText(/ScoreCAM scores its masked images in FP16/)).toBeVisible();
  await nav('Images').click();
  await nav('Model').click();
  await expect(page.getByRole('combobox', { name: 'Precision' })).toHaveValue('fp16');
  // Saved with the settings, like the provider.
  expect(((await page.evaluate(`window.camscope.invoke('settings:get')`)) as { precision: string }).precision).toBe('fp16');
  await page.getByRole('combobox', { name: 'Precision' }).selectOption('fp32');
  await expect(page.getByTestId('precision-used')).toHaveText('FP32', { timeout: 60_000 });
  await expect(page.getByText(/ScoreCAM scores its masked images in FP16/)).toBeHidden();
});

test('dark theme and the guide', async () => {
  await page.getByRole('radio', { name: 'Dark theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await nav('Images').click();
  await expect(grid().locator('.cell img').first()).toBeVisible();
  await shot(page, '11-browser-dark');
  await grid().locator('[data-index="6"]').dblclick();
  await waitForAllMaps();
  await shot(page, '12-image-dark');
  await page.getByRole('button', { name: 'Guide' }).click();
  await expect(page.getByRole('heading', { name: 'Guide' })).toBeVisible();
  // Every method and measure in plain words, and the words the screens use.
  const methods = page.getByRole('region', { name: 'Methods in plain words' });
  for (const name of ['Grad-CAM', 'LayerCAM', 'Score-CAM', 'ScoreCAM++']) await expect(methods.getByRole('heading', { name, exact: true })).toBeVisible();
  await expect(methods).toContainText('Misleads when');
  const measures = page.getByRole('region', { name: 'Metrics in plain words' });
  for (const name of ['Average Drop (%)', 'Increase in Confidence (%)', 'Win (%)']) await expect(measures.getByRole('heading', { name, exact: true })).toBeVisible();
  await expect(measures).not.toContainText('max(0');
  const terms = page.getByRole('region', { name: 'Terms' });
  for (const t of ['Flat maps', 'Seed', 'Logit', 'Win ties', 'ms on a map', 'Weak evidence']) await expect(terms.getByText(t, { exact: true })).toBeVisible();
  await expect(terms).toContainText('less than 20 %');
  await shot(page, '13-guide-dark');
  // 'Match the system' follows the OS setting, also when it changes while the app is open.
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByRole('radio', { name: 'Match the system' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-scheme', 'light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(page.locator('html')).toHaveAttribute('data-scheme', 'dark');
  const background = await page.evaluate(`getComputedStyle(document.documentElement).getPropertyValue('--bg').trim()`);
  expect(background).toBe('#121418');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByRole('radio', { name: 'Light theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect(page.locator('html')).toHaveAttribute('data-scheme', 'light');
});

test('a folder of 10,000 images: only visible rows are drawn, and the grid stays responsive', async ({ request }) => {
  const root = path.join(WORK, 'big');
  const demo = path.resolve('resources/demo/images');
  const sources = fs.readdirSync(demo).filter((f) => f.endsWith('.png'));
  const labels = new Map(
    fs.readFileSync(path.join(demo, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',') as [string, string]),
  );
  fs.mkdirSync(root, { recursive: true });
  const rows = ['file,label'];
  for (let i = 0; i < 10_000; i++) {
    const src = sources[i % sources.length];
    const name = `img_${String(i).padStart(5, '0')}.png`;
    fs.linkSync(path.join(demo, src), path.join(root, name));
    rows.push(`${name},${labels.get(src)}`);
  }
  fs.writeFileSync(path.join(root, 'labels.csv'), rows.join('\n') + '\n');

  await presetDialog(request, 'openFolder', root);
  await nav('Start').click();
  await page.locator('[data-action=folder]').click();
  await expect(visibleCount()).toHaveText('10,000 of 10,000', { timeout: 60_000 });
  const drawn = await grid().locator('.cell').count();
  expect(drawn).toBeLessThan(200);
  await grid().focus();
  const t0 = Date.now();
  await page.keyboard.press('End');
  await expect(grid().locator('.cell.cursor')).toHaveAttribute('data-file', 'img_09999.png');
  await expect(grid().locator('.cell.cursor img')).toBeVisible();
  expect(Date.now() - t0).toBeLessThan(5_000);
  expect(await grid().locator('.cell').count()).toBeLessThan(200);
  // Scrolling through the middle keeps the DOM small.
  await grid().evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
  await expect(grid().locator('.cell img').first()).toBeVisible();
  expect(await grid().locator('.cell').count()).toBeLessThan(200);
  await page.getByLabel('Search file names').fill('img_0424');
  await expect(visibleCount()).toHaveText('10 of 10,000');
  await expect(grid().locator('.cell img')).toHaveCount(10);
  await shot(page, '14-browser-10k');
});

test('the engine process killed in the middle of ScoreCAM: the app survives, says so, and explains again in one click', async ({ request }) => {
  // A model with 768 channels on 64×64 inputs: ScoreCAM's masked passes run long enough to be interrupted.
  const heavy = writeHeavyModel();
  await presetDialog(request, 'openModel', heavy);
  await nav('Start').click();
  await page.locator('[data-action=model]').click();
  await expect(page.locator('.topbar')).toContainText('heavy');
  // Loading ends by leaving the start screen (for the model or the open folder): wait for it before navigating.
  await expect(page.locator('[data-action=model]')).toBeHidden();
  await presetDialog(request, 'openFolder', path.resolve('resources/demo/images'));
  await nav('Start').click();
  await page.locator('[data-action=folder]').click();
  await expect(visibleCount()).toHaveText('100 of 100', { timeout: 60_000 });
  await grid().locator('.cell').first().click();
  await grid().focus();
  await page.keyboard.press('Enter');
  // ScoreCAM's map sharpens while its masked passes run, labelled as a preview until it is exact.
  const scorecam = page.locator('[data-method=scorecam]');
  await expect(scorecam).toHaveAttribute('data-state', 'preview', { timeout: 60_000 });
  await expect(scorecam.getByTestId('preview-badge')).toContainText(/preview · \d+ % scored/);
  await shot(page, '15a-scorecam-preview');
  await crashEngine(request, 'kill');
  const banner = page.getByTestId('engine-banner');
  await expect(banner).toContainText('The analysis engine stopped (it was killed).');
  await shot(page, '15-engine-stopped');
  await banner.getByRole('button', { name: 'Explain the image again' }).click();
  await expect(banner).toBeHidden();
  await waitForAllMaps();
});

test('an evaluation whose engine aborts natively midway resumes in one click and ends identical to an uninterrupted run', async ({ request }) => {
  await nav('Start').click();
  await page.locator('[data-action=demo]').click();
  await expect(visibleCount()).toHaveText('100 of 100', { timeout: 60_000 });
  await nav('Evaluation').click();
  await page.getByLabel('Sample size').fill('30');
  await page.getByRole('button', { name: 'Run evaluation' }).click();
  const progress = page.getByTestId('eval-progress');
  await expect(progress).toContainText(/\b([3-9]|1\d|2[0-8]) \/ 30 images/, { timeout: 120_000 });
  await crashEngine(request, 'abort');
  const banner = page.getByTestId('engine-banner');
  await expect(banner).toContainText('The analysis engine stopped (it aborted).');
  await banner.getByRole('button', { name: 'Resume the evaluation' }).click();
  await expect(banner).toBeHidden();
  await expect(page.getByTestId('drilldown').locator('tbody tr')).toHaveCount(30, { timeout: 180_000 });

  const dir = path.join(WORK, 'report-resumed');
  await presetDialog(request, 'exportReport', dir);
  await page.locator('.topbar').getByRole('button', { name: 'Report' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export report' });
  await page.getByTestId('export-report').click();
  await expect(page.getByTestId('export-done')).toBeVisible({ timeout: 120_000 });
  await dialog.getByRole('button', { name: 'Done' }).click();
  const resumed = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
  expect(resumed.settings.sample).toEqual({ size: 30, seed: 0 });

  // The same evaluation, uninterrupted, by the CLI on the same engine code.
  const cliOut = path.join(WORK, 'report-uninterrupted');
  const cli = spawnSync(process.execPath, [
    '--import', 'tsx', 'src/main/cli/main.ts', 'evaluate', '--model', 'resources/demo/fashion-cnn.onnx', '--dataset', 'resources/demo/images',
    '--labels', 'resources/demo/images/labels.csv', '--sample', '30', '--seed', '0', '--methods', resumed.settings.methods.join(','), '--out', cliOut,
  ], { encoding: 'utf8', timeout: 300_000 });
  expect(cli.status, cli.stderr).toBe(0);
  const fresh = JSON.parse(fs.readFileSync(path.join(cliOut, 'report.json'), 'utf8'));
  // The app's run also measured localization against the project's annotations (drawn on demo images above); the
  // CLI run has no regions. Everything else in the table must be identical.
  const LOCALIZATION = ['pointing_game_pct', 'energy_pointing_game', 'rank_accuracy', 'iou', 'images_with_regions', 'images_with_region_pixels', 'energy_excluded_flat'];
  const withoutLocalization = (t: { rows?: unknown } & Record<string, unknown>) => JSON.parse(JSON.stringify(t, (k, v) => (LOCALIZATION.includes(k) ? undefined : v)));
  expect(withoutLocalization(resumed.table)).toEqual(withoutLocalization(fresh.table));
  const perImage = (r: { images: { file: string; Y: number; methods: Record<string, { O: number }> }[] }) =>
    r.images.map((i) => [i.file, i.Y, Object.entries(i.methods).map(([m, v]) => [m, v.O])]);
  expect(perImage(resumed)).toEqual(perImage(fresh));
});

function writeHeavyModel(): string {
  const file = path.join(WORK, 'heavy.onnx');
  fs.writeFileSync(file, tinyCnnOnnx(randomTinyCnn(3, { inC: 3, h: 32, w: 32, C: 768, K: 10 })));
  fs.writeFileSync(path.join(WORK, 'heavy.json'), JSON.stringify({ inputSize: [64, 64], resize: 'stretch' }));
  return file;
}

test('honest states: a new sort starts at the top, Stop says Stopped, a damaged image or model is named in one sentence', async ({ request }) => {
  // The demo is open (the previous test). A sort change shows the new list from its start.
  await nav('Images').click();
  await grid().evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect.poll(() => grid().evaluate((el) => el.scrollTop)).toBeGreaterThan(100);
  await page.getByLabel('Sort by').selectOption('confidence-asc');
  await expect.poll(() => grid().evaluate((el) => el.scrollTop)).toBe(0);
  await expect(grid().locator('.cell').first()).toHaveClass(/cursor/);
  await page.getByLabel('Sort by').selectOption('file');

  // Stop in the middle of ScoreCAM (the heavy model): no card stays at "13 %" as if it were still running.
  // 1,536 channels: ScoreCAM runs long enough for a Stop to land in its middle.
  const heavy = path.join(WORK, 'slow-heavy.onnx');
  fs.writeFileSync(heavy, tinyCnnOnnx(randomTinyCnn(5, { inC: 3, h: 32, w: 32, C: 1536, K: 10 })));
  fs.writeFileSync(path.join(WORK, 'slow-heavy.json'), JSON.stringify({ inputSize: [64, 64], resize: 'stretch' }));
  await presetDialog(request, 'openModel', heavy);
  await nav('Start').click();
  await page.locator('[data-action=model]').click();
  await expect(page.locator('.topbar .chip').first()).toHaveText('slow-heavy.onnx', { timeout: 60_000 });
  await expect(page.locator('[data-action=model]')).toBeHidden();
  await nav('Images').click();
  await grid().locator('.cell').first().dblclick();
  const scorecam = page.locator('[data-method=scorecam]');
  // Running: its map sharpens as a labelled preview (or waits behind the other methods with a progress bar).
  await expect(scorecam.getByTestId('preview-badge').or(scorecam.getByRole('progressbar'))).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(scorecam).toHaveAttribute('data-state', 'stopped');
  await expect(scorecam).toContainText('Stopped');
  await expect(page.locator('[data-method] [role=progressbar]')).toHaveCount(0);
  await expect(page.getByTestId('explain-stopped')).toContainText('maps not computed');
  await shot(page, '16-stopped');
  await page.getByRole('button', { name: 'Compute them' }).click();
  await expect(scorecam.getByRole('progressbar').or(scorecam.locator('canvas')).first()).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Stop' }).click();

  // A damaged image: one error state naming the file and one next action; no spinner, no prediction, no "Try again".
  const folder = path.join(WORK, 'damaged');
  fs.mkdirSync(folder, { recursive: true });
  const demo = path.resolve('resources/demo/images');
  for (const f of fs.readdirSync(demo).filter((n) => n.endsWith('.png')).slice(0, 4)) fs.copyFileSync(path.join(demo, f), path.join(folder, f));
  fs.writeFileSync(path.join(folder, '000_broken.png'), Buffer.concat([fs.readFileSync(path.join(demo, fs.readdirSync(demo).find((n) => n.endsWith('.png'))!)).subarray(0, 40)]));
  await presetDialog(request, 'openFolder', folder);
  await nav('Start').click();
  await page.locator('[data-action=folder]').click();
  await expect(visibleCount()).toHaveText('5 of 5', { timeout: 60_000 });
  await grid().locator('[data-file="000_broken.png"]').dblclick();
  const failed = page.getByTestId('image-failed');
  await expect(failed).toBeVisible({ timeout: 60_000 });
  await expect(failed).toContainText('000_broken.png could not be read');
  await expect(failed.locator('p')).toContainText('000_broken.png');
  await expect(failed.getByRole('button')).toHaveCount(1);
  await expect(failed.getByRole('button')).toHaveText(/Next image/);
  await expect(page.getByText('Reading the image…')).toHaveCount(0);
  await expect(page.getByText('Predicted', { exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Try again' })).toHaveCount(0);
  await expect(page.locator('[data-method]')).toHaveCount(0);
  await shot(page, '17-image-unreadable');
  await failed.getByRole('button', { name: /Next image/ }).click();
  await expect(page.getByRole('heading', { name: /^00[0-9]_(?!broken)/ })).toBeVisible();
  // The same relative name in another folder is another image: the demo's 003_trouser.png annotations are not shown.
  await nav('Images').click();
  await grid().locator('[data-file="003_trouser.png"]').dblclick();
  await expect(page.getByTestId('annotation-layer')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('annotation-layer').locator('g.shape')).toHaveCount(0);
  await expect(page.getByLabel('Annotations of this image')).toContainText('none yet');
  // On the Annotations screen they are listed with their own folder, not as links into this one.
  await nav('Annotations').click();
  await expect(page.locator('tbody tr').first()).toBeVisible();
  await expect(page.locator('tbody').getByRole('button', { name: '003_trouser.png' })).toHaveCount(0);
  await expect(page.locator('tbody')).toContainText('003_trouser.png · images');

  // A damaged model: the file is named, no decoder jargon ("invalid wire type …").
  const badModel = path.join(WORK, 'damaged.onnx');
  fs.writeFileSync(badModel, Buffer.from([0x08, 0x07, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f]));
  await presetDialog(request, 'openModel', badModel);
  await nav('Start').click();
  await page.locator('[data-action=model]').click();
  const toast = page.locator('.toasts .toast').filter({ hasText: 'damaged.onnx' });
  await expect(toast).toContainText('damaged.onnx is not a valid ONNX model');
  await expect(toast).not.toContainText(/wire type|offset \d/);

  // The recent project's path reads left to right (its leading slash stays in front) and opening it shows a
  // loading state, never "No evaluation yet" for a project that has runs.
  const recentPath = page.getByTestId('recent-path').first();
  await expect(recentPath.locator('bdi')).toHaveAttribute('dir', 'ltr');
  expect(await page.evaluate(`getComputedStyle(document.querySelector('[data-testid=recent-path] bdi')).direction`)).toBe('ltr');
  await page.evaluate(`window.flashes = [];
    new MutationObserver(() => {
      if (document.body.innerText.includes('No evaluation in this project yet')) window.flashes.push('no-evaluation');
      if (document.querySelector('[data-testid=project-loading], [data-testid=eval-loading]')) window.flashes.push('loading');
    }).observe(document.body, { subtree: true, childList: true, characterData: true });`);
  await page.locator('.recent').getByRole('button', { name: /study/ }).click();
  // The project reopens with the model and folder it was last used with (this test's), then shows the grid.
  await expect(page.getByTestId('project-loading')).toHaveCount(0, { timeout: 60_000 });
  await expect(visibleCount()).toHaveText('5 of 5', { timeout: 60_000 });
  await nav('Evaluation').click();
  await expect(page.getByTestId('metric-table')).toBeVisible({ timeout: 60_000 });
  const flashes = (await page.evaluate('window.flashes')) as string[];
  expect(flashes).not.toContain('no-evaluation');
  expect(flashes).toContain('loading');

  // Another model open: the project's runs are marked as runs of another model, never shown as the current one's.
  await presetDialog(request, 'openModel', heavy);
  await nav('Start').click();
  await page.locator('[data-action=model]').click();
  await expect(page.locator('.topbar .chip').first()).toHaveText('slow-heavy.onnx', { timeout: 60_000 });
  await nav('Evaluation').click();
  await expect(page.getByTestId('other-run')).toContainText('Other model');
  await expect(page.getByTestId('other-run')).toContainText('fashion-cnn.onnx');
  await expect(page.getByLabel('Evaluation run').locator('option').first()).toContainText('other model');
  await shot(page, '18-evaluation-other-model');
});

test('every screen at 1280×720 and 1920×1080, light and dark: nothing overlaps, screenshots for the README', async () => {
  await nav('Start').click();
  await page.locator('[data-action=demo]').click();
  await expect(visibleCount()).toHaveText('100 of 100', { timeout: 60_000 });
  await expect(page.getByText('Predictions ready')).toBeVisible({ timeout: 60_000 });
  await grid().locator('[data-file="003_trouser.png"]').dblclick();
  await waitForAllMaps();
  const screens: [string, () => Promise<void>][] = [
    ['start', async () => {
      await nav('Start').click();
      await expect(page.getByRole('heading', { name: 'See what your classifier looks at' })).toBeVisible();
    }],
    ['model', async () => {
      await nav('Model').click();
      await expect(page.getByRole('radiogroup', { name: 'Target layer' })).toBeVisible();
    }],
    ['images', async () => {
      await nav('Images').click();
      await expect(grid().locator('.cell img').first()).toBeVisible();
      // The filters sit above the grid, never over it.
      const filters = (await page.getByRole('toolbar', { name: 'Filters' }).boundingBox())!;
      const cells = (await grid().boundingBox())!;
      expect(filters.y + filters.height).toBeLessThanOrEqual(cells.y + 1);
    }],
    ['image', async () => {
      await nav('Image').click();
      await waitForAllMaps();
    }],
    ['annotations', async () => {
      await nav('Annotations').click();
      await expect(page.locator('tbody tr').first()).toBeVisible();
    }],
    ['evaluation', async () => {
      await nav('Evaluation').click();
      await expect(page.getByTestId('metric-table')).toBeVisible({ timeout: 60_000 });
    }],
    ['guide', async () => {
      await page.getByRole('button', { name: 'Guide' }).click();
      await expect(page.getByRole('heading', { name: 'Guide' })).toBeVisible();
    }],
  ];
  for (const [width, height] of [[1280, 720], [1920, 1080]]) {
    await page.setViewportSize({ width, height });
    for (const theme of ['light', 'dark'] as const) {
      await page.getByRole('radio', { name: theme === 'light' ? 'Light theme' : 'Dark theme' }).click();
      await expect(page.locator('html')).toHaveAttribute('data-scheme', theme);
      for (const [name, show] of screens) {
        await show();
        // Nothing wider than the window: no sideways scrolling at either size.
        expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
        await shot(page, `gallery/${width}x${height}-${theme}-${name}`);
      }
    }
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByRole('radio', { name: 'Light theme' }).click();
});

test('the model panel shows the project\'s saved results and clears them', async () => {
  await nav('Model').click();
  const usage = page.getByTestId('cache-usage');
  await expect(usage).toContainText(/MB \(\d+ predictions, \d+ maps\)/);
  await usage.getByRole('button', { name: 'Clear' }).click();
  await expect(usage).toContainText('none yet');
});

test('no Content-Security-Policy violations or page errors happened', async () => {
  expect(problems).toEqual([]);
});
