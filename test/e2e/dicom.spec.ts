/**
 * DICOM in the app: a folder of DICOM files (found by content, a multi-frame file's frames as file#N) opens with
 * thumbnails; the Model screen shows the intensity mapping in use and where it came from; changing it recomputes
 * thumbnails, predictions and maps, and survives an engine crash. Screenshots go to test-output/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { randomTinyCnn, tinyCnnOnnx } from '../helpers/tiny-models';
import { crashEngine, presetDialog, shot, openSpecPage } from './helpers';

const WORK = path.resolve('test-output/e2e-dicom');
const GEN = path.resolve('test/fixtures/dicom/generated');

test.describe.configure({ mode: 'serial' });

let page: Page;
let problems: string[];

test.beforeAll(async ({ browser }) => {
  ({ page, problems } = await openSpecPage(browser, { work: WORK }));
});

test.afterAll(async () => {
  await page?.close();
});

const grid = () => page.getByTestId('thumb-grid');
const nav = (name: string) => page.locator('nav').getByRole('button', { name: new RegExp(`^${name}(\\s|$)`) });

/** A thumbnail's bytes, asked of the engine directly (the grid shows the same ones). */
async function thumbnail(index: number): Promise<number[]> {
  const t = (await page.evaluate(`window.camscope.invoke('dataset:thumbnails', { indices: [${index}] })`)) as { bytes: Uint8Array }[];
  return Array.from(t[0].bytes);
}

/** The Grad-CAM card's canvas as a data URL, once its map is done. */
async function gradcamPixels(): Promise<string> {
  const card = page.locator('[data-method=gradcam]');
  await expect(card).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  return card.locator('canvas').first().evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL());
}

let scanIndex = 0;
let defaultThumb: number[] = [];
let defaultMap = '';
let defaultScores = '';

/** The image view's class probabilities, as shown ("class 1 53.5%" …). */
const scores = () => page.getByRole('list', { name: 'Top-5 predictions' }).innerText();

test('a folder of DICOM files opens: every frame is an image, with thumbnails', async ({ request }) => {
  const folder = path.join(WORK, 'scans');
  fs.mkdirSync(folder, { recursive: true });
  fs.copyFileSync(path.join(GEN, 'ct-two-windows.dcm'), path.join(folder, 'ct-two-windows.dcm'));
  fs.copyFileSync(path.join(GEN, 'ct-7-frames.dcm'), path.join(folder, 'SERIES7'));
  fs.copyFileSync(path.join(GEN, 'mr-no-preamble.dcm'), path.join(folder, 'MR0001'));
  const model = path.join(WORK, 'ct-tiny.onnx');
  fs.writeFileSync(model, tinyCnnOnnx(randomTinyCnn(3, { inC: 1, h: 16, w: 16, C: 8, K: 3 })));

  await presetDialog(request, 'openModel', model);
  await page.locator('[data-action=model]').click();
  await expect(page.locator('.topbar .chip').first()).toHaveText('ct-tiny.onnx', { timeout: 60_000 });
  // Loading ends by leaving the start screen (as in workbench.spec.ts): wait for it before going back to Start.
  await expect(page.locator('[data-action=model]')).toBeHidden({ timeout: 60_000 });
  await presetDialog(request, 'openFolder', folder);
  await nav('Start').click();
  await page.locator('[data-action=folder]').click();
  await expect(page.getByTestId('visible-count')).toHaveText('9 of 9', { timeout: 60_000 });
  for (const n of [1, 4, 7]) await expect(grid().locator(`[data-file="SERIES7#${n}"]`)).toBeVisible();
  await expect(grid().locator('[data-file="ct-two-windows.dcm"] img')).toBeVisible({ timeout: 30_000 });
  await expect(grid().locator('.cell img')).toHaveCount(9, { timeout: 30_000 });
  await expect(page.getByText('Predictions ready')).toBeVisible({ timeout: 60_000 });
  await shot(page, 'dicom-01-browser');

  // Listed in code-point order: MR0001, SERIES7#1 … SERIES7#7, ct-two-windows.dcm.
  await expect(grid().locator('.cell').nth(8)).toHaveAttribute('data-file', 'ct-two-windows.dcm');
  scanIndex = 8;
  defaultThumb = await thumbnail(scanIndex);
});

test("the Model screen shows the mapping in use: camscope's default, the file's own window", async () => {
  await nav('Model').click();
  const panel = page.getByTestId('intensity-panel');
  await expect(panel).toBeVisible();
  await expect(page.getByTestId('intensity-current')).toHaveText("the file's own window for DICOM");
  await expect(page.getByTestId('intensity-source')).toContainText("camscope's default for DICOM: the file's own window");
  await expect(panel.getByRole('button', { name: 'Apply' })).toBeDisabled();
  await panel.scrollIntoViewIfNeeded();
  await shot(page, 'dicom-02-model-default');

  await nav('Images').click();
  await grid().locator('[data-file="ct-two-windows.dcm"]').dblclick();
  defaultMap = await gradcamPixels();
  defaultScores = await scores();
  expect(defaultScores).toMatch(/class \d/);
  await shot(page, 'dicom-03-image-default');
});

test('changing the mapping recomputes thumbnails, predictions and maps, and is saved', async () => {
  await nav('Model').click();
  const panel = page.getByTestId('intensity-panel');
  await panel.getByLabel('Intensity mapping').selectOption({ label: 'A fixed window (centre, width)' });
  await panel.getByLabel('Centre').fill('-600');
  await panel.getByLabel('Width').fill('1500');
  await panel.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByTestId('intensity-current')).toHaveText('window centre -600, width 1500');
  await expect(page.getByTestId('intensity-source')).toHaveText('chosen by you for this project');
  await expect(panel.getByRole('button', { name: 'Apply' })).toBeDisabled();
  await panel.scrollIntoViewIfNeeded();
  await shot(page, 'dicom-04-model-lung-window');

  const lungThumb = await thumbnail(scanIndex);
  expect(lungThumb).not.toEqual(defaultThumb);
  await nav('Images').click();
  await expect(page.getByText('Predictions ready')).toBeVisible({ timeout: 60_000 });
  await expect(grid().locator('.cell img')).toHaveCount(9, { timeout: 30_000 });
  await shot(page, 'dicom-05-browser-lung-window');
  await grid().locator('[data-file="ct-two-windows.dcm"]').dblclick();
  const lungMap = await gradcamPixels();
  expect(lungMap).not.toBe(defaultMap);
  // Other pixels, so another prediction: the model ran again with the new mapping.
  expect(await scores()).not.toBe(defaultScores);
  await shot(page, 'dicom-06-image-lung-window');

  // The engine restarts with the same mapping (the main process mirrors it): the same thumbnail comes back.
  await crashEngine(page.request);
  await expect.poll(async () => JSON.stringify(await thumbnail(scanIndex)), { timeout: 60_000 }).toBe(JSON.stringify(lungThumb));

  // Back to the model's own setting: the default thumbnail again.
  await nav('Model').click();
  await panel.getByLabel('Intensity mapping').selectOption({ label: "The model's setting (or camscope's default)" });
  await panel.getByRole('button', { name: 'Apply' }).click();
  await expect(page.getByTestId('intensity-source')).toContainText("camscope's default for DICOM");
  expect(await thumbnail(scanIndex)).toEqual(defaultThumb);
  expect(problems).toEqual([]);
});

test("the image view tells the image's facts and its window: the file's windows as presets, a level/width drag, Reset", async () => {
  await nav('Images').click();
  // The thumbnail says the window it was drawn with (the model's), in numbers and, on hover, in words.
  const badge = grid().locator('[data-file="ct-two-windows.dcm"] [data-testid=thumb-window]');
  await expect(badge).toHaveText('C 40 / W 400', { timeout: 30_000 });
  await expect(badge).toHaveAttribute('title', "CT image, shown with the file's window 1 (SOFT TISSUE) (C 40 / W 400), as the model sees it");
  await grid().locator('[data-file="ct-two-windows.dcm"]').dblclick();
  const control = page.getByTestId('window-control');
  // Stored as 37 rows × 29 columns, 12 bits signed (make-reference.py); nothing about the patient.
  await expect(page.getByTestId('image-source')).toHaveText('CT · 29 × 37 · 12-bit signed');
  await expect(page.getByTestId('window-current')).toHaveText('C 40 / W 400');
  await expect(control.getByRole('button', { name: 'SOFT TISSUE' })).toHaveAttribute('aria-pressed', 'true');
  await expect(control.getByRole('button', { name: 'Reset' })).toBeDisabled();
  const softMap = await gradcamPixels();
  await shot(page, 'dicom-07-image-window-control');

  // The file's second window as a preset: the model's mapping, so the maps are computed again.
  await control.getByRole('button', { name: 'LUNG' }).click();
  await expect(page.getByTestId('window-current')).toHaveText('C -600 / W 1500', { timeout: 60_000 });
  await expect(control.getByRole('button', { name: 'LUNG' })).toHaveAttribute('aria-pressed', 'true');
  const lungMap = await gradcamPixels();
  expect(lungMap).not.toBe(softMap);

  // Level/width: 135 pixels right, 60 down (draggedWindow: width·e^(135/270), level + 60/300·width), previewed while dragging.
  await control.getByRole('button', { name: 'Level / width' }).click();
  const area = page.getByTestId('window-drag');
  const box = (await area.boundingBox())!;
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + 70, y + 30, { steps: 4 });
  await page.mouse.move(x + 135, y + 60, { steps: 4 });
  await expect(page.getByTestId('window-preview')).toBeVisible();
  const width = Math.round(1500 * Math.exp(135 / 270));
  const center = -600 + (60 / 300) * 1500;
  await expect(page.getByTestId('window-current')).toHaveText(`C ${center} / W ${width}`);
  await shot(page, 'dicom-08-image-window-drag');
  await page.mouse.up();
  await expect(page.getByTestId('window-preview')).toBeHidden({ timeout: 60_000 });
  await expect(page.getByTestId('window-current')).toHaveText(`C ${center} / W ${width}`, { timeout: 60_000 });
  await expect(control.getByText(`window centre ${center}, width ${width}`)).toBeVisible();
  const draggedMap = await gradcamPixels();
  expect(draggedMap).not.toBe(lungMap);
  // The model's mapping for this project (saved with it, test/main/handlers/intensity.test.ts): the Model screen says so, and the thumbnails follow.
  await nav('Model').click();
  await expect(page.getByTestId('intensity-current')).toHaveText(`window centre ${center}, width ${width}`);
  await expect(page.getByTestId('intensity-source')).toHaveText('chosen by you for this project');
  await nav('Images').click();
  await expect(badge).toHaveText(`C ${center} / W ${width}`, { timeout: 30_000 });

  // Reset: back to the model's own setting (camscope's default, the file's first window).
  await grid().locator('[data-file="ct-two-windows.dcm"]').dblclick();
  await control.getByRole('button', { name: 'Reset' }).click();
  await expect(page.getByTestId('window-current')).toHaveText('C 40 / W 400', { timeout: 60_000 });
  await expect(control.getByRole('button', { name: 'Reset' })).toBeDisabled();
  expect(await gradcamPixels()).toBe(softMap);
  expect(problems).toEqual([]);
});
