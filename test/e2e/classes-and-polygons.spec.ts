/**
 * The Classes editor (renamed classes reach the browser, the image view, the evaluation and an exported CSV),
 * polygon corners (insert at an edge's midpoint, delete, undo and redo), and the filter bar on one row at 1280×720.
 * Run with CAMSCOPE_E2E_PORT=47924. Screenshots go to test-output/screenshots/classes-polygons/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { presetDialog, shot, openSpecPage } from './helpers';

const WORK = path.resolve('test-output/e2e-work-classes');

test.describe.configure({ mode: 'serial' });

let page: Page;
let problems: string[];

test.beforeAll(async ({ browser }) => {
  ({ page, problems } = await openSpecPage(browser, { work: WORK }));
});

test.afterAll(async () => {
  expect(problems).toEqual([]);
  await page?.close();
});

const grid = () => page.getByTestId('thumb-grid');
const nav = (name: string) => page.locator('nav').getByRole('button', { name: new RegExp(`^${name}(\\s|$)`) });
const editor = () => page.getByTestId('classes-editor');

test('rename classes in the Classes editor: browser, image view, evaluation and the exported CSV use the new names', async ({ request }) => {
  await page.locator('[data-action=demo]').click();
  await expect(page.getByText('Predictions ready')).toBeVisible({ timeout: 60_000 });
  await nav('Model').click();
  await expect(editor()).toBeVisible();
  const trouser = editor().getByTestId('class-name-1');
  await expect(trouser).toHaveValue('Trouser');
  await expect(editor().locator('.row').nth(2).locator('.from')).toHaveText('model file');
  // The demo's project is not saved yet: the names are kept for this session unless it is saved.
  await expect(page.getByTestId('classes-unsaved-project')).toContainText('kept for this session only');

  // A duplicate (in any case) or an empty name is refused with one sentence, and Save stays off.
  await trouser.fill('pullover');
  await expect(page.getByTestId('classes-error')).toHaveText('Classes 1 and 2 are both called "Pullover"; give each class its own name.');
  await expect(page.getByTestId('classes-save')).toBeDisabled();
  await trouser.fill('  ');
  await expect(page.getByTestId('classes-error')).toHaveText('Class 1 has no name; every class needs a name.');
  // Main refuses them too, whatever the page sends.
  const refused = await page.evaluate(`window.camscope.invoke('classes:set', { names: ['a','b','c','d','e','f','g','h','i','a'] }).then(() => 'saved', (e) => e.message)`);
  expect(refused).toMatch(/Classes 0 and 9 are both called "a"; give each class its own name\./);

  await trouser.fill('Slacks');
  await editor().getByTestId('class-name-8').fill('Handbag');
  await page.getByTestId('classes-save').click();
  await expect(editor().locator('.row').nth(2).locator('.from')).toHaveText('project');
  await expect(editor().locator('.row').nth(3).locator('.from')).toHaveText('model file');
  await expect(page.getByTestId('classes-reset')).toBeEnabled();
  await shot(page, 'classes-polygons/classes-editor');

  // The browser's filters and labels.
  await nav('Images').click();
  const labels = await page.getByLabel('True label').locator('option').allInnerTexts();
  expect(labels).toContain('Slacks');
  expect(labels).not.toContain('Trouser');
  await page.getByLabel('True label').selectOption({ label: 'Slacks' });
  const truths = await grid().locator('.cell .truth').allInnerTexts();
  expect(truths.length).toBeGreaterThan(0);
  for (const t of truths) expect(t).toBe('Slacks');

  // The image view.
  await grid().locator('[data-file="003_trouser.png"]').dblclick();
  const prediction = page.getByRole('region', { name: 'Predictions' });
  await expect(prediction).toContainText('True label');
  await expect(prediction).toContainText('Slacks');
  await expect(prediction).not.toContainText('Trouser');
  await expect(page.getByTestId('class-picker').locator('option', { hasText: 'Handbag' })).toHaveCount(1);

  // An evaluation (Grad-CAM on every image), its drill-down, and its exported report.
  await page.evaluate(`window.camscope.invoke('evaluation:run', { jobId: 'e2e-classes', methods: ['gradcam'], sample: null, seed: 0, score: 'prob' })`);
  await nav('Evaluation').click();
  const drill = page.getByTestId('drilldown');
  await expect(drill.locator('tbody tr').first()).toBeVisible({ timeout: 60_000 });
  await expect(drill).not.toContainText('Trouser');
  const dir = path.join(WORK, 'report');
  await presetDialog(request, 'exportReport', dir);
  await page.locator('.topbar').getByRole('button', { name: 'Report' }).click();
  await page.getByTestId('export-report').click();
  await expect(page.getByTestId('export-done')).toBeVisible({ timeout: 120_000 });
  const csv = fs.readFileSync(path.join(dir, 'report.csv'), 'utf8');
  expect(csv).toMatch(/003_trouser\.png,Slacks,/);
  expect(csv).toContain('Handbag');
  expect(csv).not.toContain('Trouser');
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')).settings.model.classes[1]).toBe('Slacks');
  await page.getByRole('dialog', { name: 'Export report' }).getByRole('button', { name: 'Done' }).click();

  // Reset brings the model's names back everywhere.
  await nav('Model').click();
  await page.getByTestId('classes-reset').click();
  await expect(editor().getByTestId('class-name-1')).toHaveValue('Trouser');
  await expect(page.getByTestId('classes-reset')).toBeDisabled();
  await nav('Images').click();
  expect(await page.getByLabel('True label').locator('option').allInnerTexts()).toContain('Trouser');
});

test('a class renamed after the image was explained for it: the figure export names it with the new name', async () => {
  await nav('Images').click();
  await grid().locator('[data-file="003_trouser.png"]').dblclick();
  await page.getByTestId('class-picker').selectOption({ label: 'Bag' });
  const figureDialog = page.getByRole('dialog', { name: 'Export figure' });
  await page.locator('.topbar').getByRole('button', { name: 'Figure' }).click();
  await expect(figureDialog).toContainText('Explain Bag (the class chosen in the image view)', { timeout: 60_000 });
  await figureDialog.getByRole('button', { name: 'Cancel' }).click();

  await nav('Model').click();
  await editor().getByTestId('class-name-8').fill('Handbag');
  await page.getByTestId('classes-save').click();
  await expect(page.getByTestId('classes-reset')).toBeEnabled();
  await page.locator('.topbar').getByRole('button', { name: 'Figure' }).click();
  await expect(figureDialog).toContainText('Explain Handbag (the class chosen in the image view)');
  await expect(figureDialog).not.toContainText('Explain Bag');
  await figureDialog.getByRole('button', { name: 'Cancel' }).click();
  await nav('Model').click();
  await page.getByTestId('classes-reset').click();
  await expect(page.getByTestId('classes-reset')).toBeDisabled();
  await nav('Images').click();
});

test('polygon corners: insert at an edge midpoint, delete (key and Alt-click, never below three), undo and redo', async () => {
  await grid().locator('[data-file="003_trouser.png"]').dblclick();
  const layer = page.getByTestId('annotation-layer');
  await expect(layer).toBeVisible();
  const box = (await layer.boundingBox())!;
  const at = (x: number, y: number): [number, number] => [box.x + box.width * x, box.y + box.height * y];
  await page.locator('[data-tool=polygon]').click();
  const corners: [number, number][] = [[0.25, 0.25], [0.75, 0.25], [0.75, 0.75], [0.25, 0.75]];
  for (const [x, y] of corners) await page.mouse.click(...at(x, y));
  await page.mouse.click(...at(corners[0][0], corners[0][1]));
  await page.getByLabel('Annotation label').fill('body');
  await page.getByRole('button', { name: 'Save annotation' }).click();
  await page.locator('[data-tool=select]').click();

  const listed = async () => (await page.evaluate(`window.camscope.invoke('annotations:list', {})`)) as { label: string; points: number[][] }[];
  const body = async () => (await listed()).find((a) => a.label === 'body')!.points;
  await expect.poll(async () => (await body()).length).toBe(4);
  const four = await body();

  await page.mouse.click(...at(0.5, 0.5));
  const selected = layer.locator('g.shape.selected');
  await expect(selected.locator('.handle')).toHaveCount(4);
  await expect(selected.locator('.midpoint')).toHaveCount(4);
  await expect(page.getByTestId('polygon-hint')).toBeVisible();

  // A click on the top edge's midpoint adds a corner there (between corners 0 and 1).
  const mid = (await selected.locator('.midpoint[data-midpoint="0"]').boundingBox())!;
  await page.mouse.click(mid.x + mid.width / 2, mid.y + mid.height / 2);
  await expect.poll(async () => (await body()).length).toBe(5);
  const five = await body();
  expect(five[0]).toEqual(four[0]);
  expect(five[2]).toEqual(four[1]);
  expect(five[1][0]).toBeCloseTo((four[0][0] + four[1][0]) / 2, 0);
  expect(five[1][1]).toBeCloseTo((four[0][1] + four[1][1]) / 2, 0);
  await expect(selected.locator('.handle')).toHaveCount(5);
  await shot(page, 'classes-polygons/polygon-inserted');

  await page.keyboard.press('Control+z');
  await expect.poll(body).toEqual(four);
  await page.keyboard.press('Control+Shift+z');
  await expect.poll(body).toEqual(five);

  // Choose corner 3 and press Delete: only that corner goes.
  const h3 = (await selected.locator('.handle[data-handle="3"]').boundingBox())!;
  await page.mouse.click(h3.x + h3.width / 2, h3.y + h3.height / 2);
  await expect(selected.locator('.handle.active')).toHaveAttribute('data-handle', '3');
  await page.keyboard.press('Delete');
  await expect.poll(async () => (await body()).length).toBe(4);
  expect(await body()).toEqual(five.filter((_, i) => i !== 3));
  await expect(page.locator('[data-annotation-item]').filter({ hasText: 'body' })).toHaveCount(1);

  // Alt-click removes a corner; a triangle keeps its three.
  const altClick = async (handle: number) => {
    const h = (await selected.locator(`.handle[data-handle="${handle}"]`).boundingBox())!;
    await page.keyboard.down('Alt');
    await page.mouse.click(h.x + h.width / 2, h.y + h.height / 2);
    await page.keyboard.up('Alt');
  };
  await altClick(0);
  await expect.poll(async () => (await body()).length).toBe(3);
  const three = await body();
  await altClick(0);
  await expect(page.locator('.toasts .toast').filter({ hasText: 'A polygon needs at least three corners' })).toBeVisible();
  expect(await body()).toEqual(three);

  // Undo both deletions, redo one.
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await body()).length).toBe(4);
  await page.keyboard.press('Control+z');
  await expect.poll(body).toEqual(five);
  await page.keyboard.press('Control+Shift+z');
  await expect.poll(async () => (await body()).length).toBe(4);
});

test('at 1280×720 the filter bar is one row above the grid; More filters opens and closes from the keyboard; screenshots', async () => {
  const bar = page.getByTestId('filter-bar');
  const oneRow = async (): Promise<void> => {
    const boxes = await bar.evaluate((el) => [...el.children].map((c) => c.getBoundingClientRect()).filter((r) => r.width > 0).map((r) => ({ top: r.top, bottom: r.bottom })));
    expect(boxes.length).toBeGreaterThanOrEqual(6);
    const bottoms = boxes.map((b) => b.bottom);
    // One row: every control ends on the same line (they align to the bottom), and none starts below another's end.
    expect(Math.max(...bottoms) - Math.min(...bottoms)).toBeLessThanOrEqual(2);
    expect(Math.max(...boxes.map((b) => b.top))).toBeLessThan(Math.min(...bottoms));
    const filters = (await bar.boundingBox())!;
    const cells = (await grid().boundingBox())!;
    expect(filters.y + filters.height).toBeLessThanOrEqual(cells.y + 1);
    expect(filters.height).toBeLessThan(90);
  };
  for (const [width, height] of [[1280, 720], [1920, 1080]] as const) {
    await page.setViewportSize({ width, height });
    for (const theme of ['light', 'dark'] as const) {
      await page.getByRole('radio', { name: theme === 'light' ? 'Light theme' : 'Dark theme' }).click();
      await expect(page.locator('html')).toHaveAttribute('data-scheme', theme);
      await nav('Images').click();
      await expect(grid().locator('.cell img').first()).toBeVisible();
      await oneRow();
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      await shot(page, `classes-polygons/${width}x${height}-${theme}-browser`);
      // Keyboard: the button opens the popover with focus inside; Escape closes it and returns focus.
      await page.getByTestId('more-filters').focus();
      await page.keyboard.press('Enter');
      const popover = page.getByRole('dialog', { name: 'More filters' });
      await expect(popover).toBeVisible();
      await expect(page.getByLabel('Lowest confidence')).toBeFocused();
      await page.keyboard.press('ArrowRight');
      await expect(page.getByTestId('more-filters')).toContainText('1');
      await shot(page, `classes-polygons/${width}x${height}-${theme}-more-filters`);
      await page.keyboard.press('Escape');
      await expect(popover).toHaveCount(0);
      await expect(page.getByTestId('more-filters')).toBeFocused();
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await expect(page.getByTestId('more-filters')).not.toContainText('1');
      await nav('Model').click();
      await expect(editor()).toBeVisible();
      await shot(page, `classes-polygons/${width}x${height}-${theme}-model`);
      await nav('Image').click();
      const layer = page.getByTestId('annotation-layer');
      const box = (await layer.boundingBox())!;
      await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.5);
      await expect(layer.locator('g.shape.selected .midpoint').first()).toBeVisible();
      await shot(page, `classes-polygons/${width}x${height}-${theme}-polygon`);
    }
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByRole('radio', { name: 'Light theme' }).click();
});
