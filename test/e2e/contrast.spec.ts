/**
 * "Why A, not B" in the image view, end to end in Chromium against the web bridge and the real engine: on the demo,
 * open a coat, compare the predicted class with the runner-up (every map card finishes again, the line above the
 * cards says "Why A, not B" with both probabilities, the compared class is not offered against itself), back to
 * none (the line goes, the plain maps come back from memory), and screenshots at 1280×720, light and dark.
 */
import { expect, test, type Page } from '@playwright/test';
import { openSpecPage, shot } from './helpers';

test.describe.configure({ mode: 'serial' });

let page: Page;
let problems: string[];

test.beforeAll(async ({ browser }) => {
  ({ page, problems } = await openSpecPage(browser, { viewport: { width: 1280, height: 720 } }));
});

test.afterAll(async () => {
  await page?.close();
});

const nav = (name: string) => page.locator('nav').getByRole('button', { name: new RegExp(`^${name}(\\s|$)`) });
const cards = () => page.getByTestId('method-grid').locator('[data-method]');
const picker = () => page.getByTestId('versus-picker');

/** Every map card of the grid is done (none pending, previewing or failed). */
async function expectAllDone(): Promise<void> {
  const n = await cards().count();
  expect(n).toBeGreaterThan(1);
  await expect(page.getByTestId('method-grid').locator('[data-method][data-state=done]')).toHaveCount(n, { timeout: 120_000 });
}

/** The maps' pixels as drawn (data URLs of the cards' canvases), to see that a contrast draws other maps. */
async function drawnMaps(): Promise<string[]> {
  return (await page.evaluate(
    `[...document.querySelectorAll('[data-testid=method-grid] [data-method] canvas')].map((c) => c.toDataURL())`,
  )) as string[];
}

test('compare the predicted class with the runner-up: every method re-explained as "A, not B", then back to none', async () => {
  await page.locator('[data-action=demo]').click();
  await expect(page.getByText('Predictions ready')).toBeVisible({ timeout: 60_000 });
  await nav('Images').click();
  // 8-bit thumbnails carry no window badge (only DICOM and 16-bit images are windowed).
  await expect(page.getByTestId('thumb-grid').locator('[data-file="006_coat.png"] img')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('thumb-window')).toHaveCount(0);
  await page.getByTestId('thumb-grid').locator('[data-file="006_coat.png"]').dblclick();
  await expect(page.getByRole('heading', { name: '006_coat.png' })).toBeVisible();
  await expectAllDone();
  await expect(page.getByTestId('contrast-heading')).toHaveCount(0);
  // An 8-bit image is used as it is: no window control, no window badge on its thumbnail.
  await expect(page.getByTestId('window-control')).toHaveCount(0);
  const plain = await drawnMaps();

  const top5 = page.getByRole('list', { name: 'Top-5 predictions' }).locator('li');
  const [first, second] = [top5.nth(0), top5.nth(1)];
  const nameA = (await first.locator('.name').innerText()).trim();
  const nameB = (await second.locator('.name').innerText()).trim();
  const pctA = (await first.locator('.pct').innerText()).replace('%', '').trim();
  const pctB = (await second.locator('.pct').innerText()).replace('%', '').trim();
  // The explained (predicted) class is not offered as its own contrast.
  await expect(picker().locator('option', { hasText: new RegExp(`^${nameA}$`) })).toHaveCount(0);
  await expect(picker().locator('option:checked')).toHaveText('None');

  await picker().selectOption({ label: nameB });
  const heading = page.getByTestId('contrast-heading');
  await expect(heading.getByRole('heading')).toHaveText(`Why ${nameA}, not ${nameB}`);
  await expect(heading).toContainText(`${nameA} ${pctA} %, ${nameB} ${pctB} %`);
  await expectAllDone();
  const contrast = await drawnMaps();
  expect(contrast.length).toBe(plain.length);
  expect(contrast.some((m, i) => m !== plain[i]), 'the contrast maps are other maps than the plain ones').toBe(true);
  await expect(cards().first().locator('canvas').first()).toHaveAttribute('aria-label', new RegExp(`, ${nameA} not ${nameB}$`));

  const theme = await page.locator('html').getAttribute('data-theme');
  await page.getByRole('radio', { name: 'Light theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-scheme', 'light');
  await shot(page, '40-contrast-light');
  await page.getByRole('radio', { name: 'Dark theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-scheme', 'dark');
  await shot(page, '40-contrast-dark');
  // The control itself, under "Explain which class?" in the prediction panel.
  await picker().scrollIntoViewIfNeeded();
  await shot(page, '41-contrast-picker-dark');
  const back = { light: 'Light theme', dark: 'Dark theme' }[theme ?? ''] ?? 'Match the system';
  await page.getByRole('radio', { name: back }).click();

  // None: the plain class again, its maps from memory.
  await picker().selectOption({ label: 'None' });
  await expect(heading).toHaveCount(0);
  await expectAllDone();
  expect(await drawnMaps()).toEqual(plain);
  expect(problems).toEqual([]);
});
