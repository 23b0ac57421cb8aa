/**
 * Localization against expert regions, end to end in Chromium against the web bridge and the real engine: open the
 * demo, import a COCO file of boxes (main's open dialog, preset through the bridge), run a small evaluation (Grad-CAM
 * and the random reference), see the localization block and the reference column and line, sort and filter the
 * browser by the share of Grad-CAM's map outside the regions and check the order against the evaluation's own
 * numbers, and see the agreement line on a map card. Screenshots at 1280×720 and 1920×1080, light and dark.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { presetDialog, shot, openSpecPage } from './helpers';

const WORK = path.resolve('test-output/e2e-localization');
const DEMO_IMAGES = path.resolve('resources/demo/images');

test.describe.configure({ mode: 'serial' });

let page: Page;
let problems: string[];

test.beforeAll(async ({ browser }) => {
  ({ page, problems } = await openSpecPage(browser, { work: WORK, viewport: { width: 1280, height: 720 } }));
});

test.afterAll(async () => {
  await page?.close();
});

const nav = (name: string) => page.locator('nav').getByRole('button', { name: new RegExp(`^${name}(\\s|$)`) });
const grid = () => page.getByTestId('thumb-grid');
const form = () => page.getByRole('form', { name: 'New evaluation' });

/** Picks exactly these methods (by display name) among the form's method boxes (not the reference box). */
async function pickMethods(names: string[]): Promise<void> {
  const boxes = form().locator('fieldset label.check:not(.reference) input[type=checkbox]');
  for (let i = 0; i < (await boxes.count()); i++) {
    const box = boxes.nth(i);
    const label = (await box.locator('xpath=..').innerText()).replace(/\s*slow$/, '').trim();
    if ((await box.isChecked()) !== names.includes(label)) await box.click();
  }
}

/** Both themes at both sizes, named NAME-WIDTH-THEME. */
async function shots(name: string): Promise<void> {
  for (const size of [{ width: 1280, height: 720 }, { width: 1920, height: 1080 }]) {
    await page.setViewportSize(size);
    for (const theme of ['Light', 'Dark']) {
      await page.getByRole('radio', { name: `${theme} theme` }).click();
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme.toLowerCase());
      await shot(page, `localization-${name}-${size.width}-${theme.toLowerCase()}`);
    }
  }
  await page.getByRole('radio', { name: 'Light theme' }).click();
  await page.setViewportSize({ width: 1280, height: 720 });
}

interface Detail {
  id: number;
  records: { file: string; methods: Record<string, { energy_in_region?: number | null; pointing_hit?: boolean | null }> }[];
  table: { methods: string[]; rows: Record<string, { images_with_regions?: number; energy_pointing_game?: number | null }> };
}
let detail: Detail;

test('import a COCO file of expert regions into the demo project', async ({ request }) => {
  await page.locator('[data-action=demo]').click();
  await expect(page.getByTestId('visible-count')).toHaveText('100 of 100');
  await expect(page.getByText('Predictions ready')).toBeVisible();
  // A box for every demo image (so any sample has regions), placed and sized differently per image, and one entry
  // for an image the folder does not have.
  const files = fs.readFileSync(path.join(DEMO_IMAGES, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((r) => r.split(',')[0]);
  expect(files).toHaveLength(100);
  const images = [...files, 'missing/elsewhere.png'].map((f, i) => ({ id: i + 1, file_name: f, width: 28, height: 28 }));
  const annotations = images.map((im, i) => ({
    id: i + 1, image_id: im.id, category_id: 1, iscrowd: 0,
    bbox: [(i * 5) % 16, (i * 3) % 14, 6 + (i % 4) * 3, 8 + (i % 3) * 3],
  }));
  const coco = path.join(WORK, 'regions.json');
  fs.writeFileSync(coco, JSON.stringify({ images, annotations, categories: [{ id: 1, name: 'garment' }] }));

  await nav('Evaluation').click();
  await presetDialog(request, 'openRegionsFile', coco);
  await page.getByRole('button', { name: 'Import regions file…' }).click();
  await expect(page.getByTestId('regions-import-message')).toHaveText(
    'Imported 100 regions for 100 images from regions.json (COCO); 1 entry matches no image of the open folder and was left out (missing/elsewhere.png).',
  );
  // They are annotations now: the Annotations screen counts them.
  await expect(nav('Annotations')).toContainText('100');
  // A cancelled dialog imports nothing and says nothing.
  await page.getByRole('button', { name: 'Import folder…' }).click();
  await expect(page.getByTestId('regions-import-message')).toContainText('Imported 100 regions');
});

test('a small evaluation with the random reference shows the localization block and the reference column and line', async () => {
  await expect(form().getByTestId('reference-check')).toBeChecked();
  await expect(form().getByText('Random reference (the line to beat)')).toBeVisible();
  await pickMethods(['Grad-CAM']);
  await page.getByLabel('Sample size').fill('6');
  await page.getByRole('button', { name: 'Run evaluation' }).click();
  const table = page.getByTestId('metric-table');
  await expect(table).toBeVisible({ timeout: 120_000 });
  await expect(table.locator('thead th')).toHaveText(['Metric', 'Grad-CAM', 'Random (reference)']);
  await expect(table.locator('thead th').nth(2)).toHaveAttribute('data-reference', 'true');
  await expect(table.locator('thead th').nth(2)).toHaveCSS('font-style', 'italic');
  // The reference is never starred (with one contender, no row separates methods: no star at all).
  await expect(table.locator('td.best')).toHaveCount(0);
  // A dashed line in the Average Drop and Increase in Confidence panels; Win is shared among contenders only.
  await expect(page.getByTestId('metric-chart').getByTestId('reference-line')).toHaveCount(2);
  await expect(page.getByTestId('metric-chart').locator('.bar')).toHaveCount(3); // one bar per panel: Grad-CAM only

  const block = page.getByTestId('localization-block');
  await expect(block.getByRole('heading', { name: 'Localization (expert regions)' })).toBeVisible();
  const loc = page.getByTestId('localization-table');
  await expect(loc.locator('tbody th')).toHaveCount(5);
  await expect(loc.locator('tbody th').nth(0)).toContainText('Pointing game (%)');
  await expect(loc.locator('tbody th').nth(1)).toContainText('Energy in region');
  await expect(loc.locator('tbody th').nth(2)).toContainText('Rank accuracy');
  await expect(loc.locator('tbody th').nth(3)).toContainText('IoU');
  for (let r = 0; r < 4; r++) await expect(loc.locator('tbody th').nth(r)).toHaveAttribute('title', /\nGood: High/);
  await expect(loc.locator('tbody tr.count td')).toHaveText(['6', '6']);

  // The numbers on screen are the run's own.
  const runs = (await page.evaluate(`window.camscope.invoke('evaluation:list')`)) as { id: number }[];
  detail = (await page.evaluate(`window.camscope.invoke('evaluation:get', { id: ${runs[runs.length - 1].id} })`)) as Detail;
  expect(detail.table.methods).toEqual(['gradcam', 'random']);
  expect(detail.records).toHaveLength(6);
  await expect(loc.locator('tbody tr').nth(1).locator('td').first()).toHaveText(detail.table.rows.gradcam.energy_pointing_game!.toFixed(4));
  await shots('evaluation');
});

test('the browser sorts and filters by the share of the map outside the regions, as the evaluation measured it', async () => {
  await nav('Images').click();
  await expect(page.getByText('Predictions ready')).toBeVisible();
  // The filter row stays one line at 1280×720 (the region filter sits under More filters).
  const tops = await page.locator('.filters > *').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().bottom)));
  expect(new Set(tops).size, `filter controls' bottoms: ${tops.join(', ')}`).toBe(1);

  await page.getByLabel('Sort by').selectOption({ label: "Map outside the expert's region (most first) · Grad-CAM" });
  const expected = [...detail.records]
    .map((r) => ({ file: r.file, outside: 1 - (r.methods.gradcam.energy_in_region as number) }))
    .sort((a, b) => b.outside - a.outside || (a.file < b.file ? -1 : 1));
  const firstFiles = await grid().locator('.cell').evaluateAll((cells) => cells.slice(0, 7).map((c) => c.getAttribute('data-file')));
  expect(firstFiles.slice(0, 6)).toEqual(expected.map((e) => e.file));
  // Each sorted thumbnail shows its share; the rest say they have no value, and one sentence counts them.
  const shares = await grid().getByTestId('outside-share').evaluateAll((els) => els.slice(0, 6).map((e) => Number(e.getAttribute('data-outside'))));
  shares.forEach((s, i) => expect(s).toBeCloseTo(expected[i].outside, 6));
  await expect(grid().locator('.cell').nth(6).getByTestId('outside-share')).toHaveText('no regions');
  await expect(page.getByTestId('region-note')).toHaveText(
    `Sorted by how much of the Grad-CAM map lies outside the expert's regions (evaluation #${detail.id}); 94 images have no regions or no result in that evaluation and come last.`,
  );
  await shots('browser-sorted');

  // "Mostly outside": more than half of the map outside the regions.
  await page.getByTestId('more-filters').click();
  await page.getByLabel('Expert regions').selectOption({ label: 'Map mostly outside · Grad-CAM' });
  const mostly = expected.filter((e) => e.outside > 0.5).length;
  await expect(page.getByTestId('visible-count')).toHaveText(`${mostly} of 100`);
  await page.getByLabel('Expert regions').selectOption('all');
  await expect(page.getByTestId('visible-count')).toHaveText('100 of 100');
  await page.keyboard.press('Escape');
});

test('a map card shows its agreement with the expert regions', async () => {
  // The first thumbnail of the sort: the evaluated image with the most of Grad-CAM's map outside its region.
  const file = await grid().locator('.cell').first().getAttribute('data-file');
  const first = detail.records.find((r) => r.file === file)!;
  await grid().locator('.cell').first().dblclick();
  const card = page.locator('[data-method=gradcam]');
  await expect(card).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  const line = card.getByTestId('region-agreement');
  const energy = first.methods.gradcam.energy_in_region as number;
  // A hit is "inside" when the peak pixel is in the box, "near" when it only falls within the 15-pixel tolerance
  // (the session test checks which, against the map's own maximum).
  const peak = first.methods.gradcam.pointing_hit ? '(inside ✓|near \\(within 15 px\\) ✓)' : 'outside ✗';
  await expect(line).toHaveText(new RegExp(`^${Math.round(energy * 100)} % of the map inside your regions · peak ${peak}$`));
  // From the map on screen, which the project cache keeps in 16-bit steps.
  expect(Number(await line.getAttribute('data-energy'))).toBeCloseTo(energy, 3);
  await expect(page.locator('[data-method=random]').getByTestId('region-agreement')).toBeVisible({ timeout: 60_000 });
  await shots('image');
  expect(problems).toEqual([]);
});

test('regions from QuPath (GeoJSON, found by its content in a .json file): a short summary of what was taken and skipped; a re-import replaces', async ({ request }) => {
  await nav('Evaluation').click();
  const before = Number((await nav('Annotations').innerText()).match(/\d+/)?.[0] ?? 0);
  // Two demo images' regions as QuPath exports them: a polygon with its class, a point, and a line (no area).
  const feature = (image: string, geometry: object, name: string) => ({ type: 'Feature', geometry, properties: { objectType: 'annotation', classification: { name }, image } });
  const square = { type: 'Polygon', coordinates: [[[2, 2], [12, 2], [12, 12], [2, 12], [2, 2]]] };
  const qupath = {
    type: 'FeatureCollection',
    features: [
      feature('000_ankle-boot.png', square, 'sole'),
      feature('001_pullover.png', { type: 'Point', coordinates: [14, 14] }, 'collar'),
      feature('001_pullover.png', { type: 'LineString', coordinates: [[1, 1], [20, 20]] }, 'seam'),
    ],
  };
  const file = path.join(WORK, 'qupath-export.json');
  fs.writeFileSync(file, JSON.stringify(qupath));
  for (const round of [1, 2]) {
    await presetDialog(request, 'openRegionsFile', file);
    await page.getByRole('button', { name: 'Import regions file…' }).click();
    await expect(page.getByTestId('regions-import-message')).toContainText('QuPath');
    const summary = page.getByTestId('regions-import-summary');
    await expect(summary).toContainText(/Took 2 regions on 2 images from QuPath GeoJSON/);
    await expect(summary).toContainText(/skipped 1 line/);
    // The second import of the same file replaces the first: the count goes up once only.
    await expect(nav('Annotations')).toContainText(String(before + 2));
    if (round === 1) await shot(page, 'regions-import-qupath');
  }
});

