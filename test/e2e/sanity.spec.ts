/**
 * The Sanity screen end to end, in Chromium against the web bridge and the real engine: its empty state, a cascading
 * check of Grad-CAM on two demo images (progress per stage, the strip, the curves, the verdict, the files and Open),
 * a stopped check saying Stopped, and screenshots at 1280×720 and 1920×1080, light and dark, with nothing overlapping.
 */
import { expect, test, type Page } from '@playwright/test';
import { shellCalls, shot, openSpecPage } from './helpers';

test.describe.configure({ mode: 'serial' });

let page: Page;
let problems: string[];

test.beforeAll(async ({ browser }) => {
  ({ page, problems } = await openSpecPage(browser));
});

test.afterAll(async () => {
  await page?.close();
});

const nav = (name: string) => page.locator('nav').getByRole('button', { name: new RegExp(`^${name}(\\s|$)`) });
const methodBox = (name: string) => page.getByRole('form', { name: 'New sanity check' }).getByRole('checkbox', { name: new RegExp(`^${name.replace(/[+]/g, '\\+')}( slow)?$`) });

/** Picks exactly these methods (by display name) in the form. */
async function pickMethods(names: string[]): Promise<void> {
  const boxes = page.getByRole('form', { name: 'New sanity check' }).getByRole('checkbox');
  for (let i = 0; i < (await boxes.count()); i++) {
    const box = boxes.nth(i);
    const label = (await box.locator('xpath=..').innerText()).replace(/\s*slow$/, '').trim();
    if ((await box.isChecked()) !== names.includes(label)) await box.click();
  }
}

/** The bounding boxes of these elements do not overlap one another (1 px of slack for borders). */
async function expectApart(testIds: string[]): Promise<void> {
  const boxes = [];
  for (const id of testIds) boxes.push({ id, box: (await page.getByTestId(id).boundingBox())! });
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i].box;
      const b = boxes[j].box;
      const overlap = a.x + 1 < b.x + b.width && b.x + 1 < a.x + a.width && a.y + 1 < b.y + b.height && b.y + 1 < a.y + a.height;
      expect(overlap, `${boxes[i].id} overlaps ${boxes[j].id}`).toBe(false);
    }
  }
}

test('without a model the screen says what to open', async () => {
  await nav('Sanity check').click();
  await expect(page.getByRole('heading', { name: 'Check that the maps depend on the model' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Open model…' })).toBeVisible();
});

test('a cascading check of Grad-CAM on two demo images: progress, the strip, the curves and a verdict', async () => {
  await nav('Start').click();
  await page.locator('[data-action=demo]').click();
  await expect(page.getByText('Predictions ready')).toBeVisible({ timeout: 60_000 });
  await nav('Sanity check').click();
  await expect(page.getByRole('heading', { name: 'Sanity check', exact: true })).toBeVisible();
  // The defaults: Grad-CAM and ScoreCAM++, cascading, 3 images.
  await expect(methodBox('Grad-CAM')).toBeChecked();
  await expect(methodBox('ScoreCAM++')).toBeChecked();
  await expect(page.getByRole('radio', { name: /^Cascading/ })).toBeChecked();
  await expect(page.getByLabel('Number of images')).toHaveValue('3');
  await pickMethods(['Grad-CAM']);
  await page.getByLabel('Number of images').fill('2');
  // Two small images are checked in about a second, faster than the bar can be caught on screen: the page records
  // the progress events the bar is drawn from (the next test sees the bar itself move).
  await page.evaluate(`window.__sanityProgress = []; window.camscope.on('job:progress', (p) => p.stage === 'sanity' && window.__sanityProgress.push([p.done, p.total]))`);
  await page.getByTestId('sanity-run').click();
  await expect(page.getByTestId('sanity-verdicts')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('sanity-progress')).toBeHidden();
  const progress = (await page.evaluate('window.__sanityProgress')) as [number, number][];

  const verdicts = page.getByTestId('sanity-verdicts').locator('li');
  await expect(verdicts).toHaveCount(1);
  await expect(verdicts.first().locator('p').first()).toHaveText(/^Grad-CAM's maps change when the model's weights are randomized: they depend on what the model learned\.|^Warning: Grad-CAM's maps stay much the same/);
  await expect(verdicts.first()).toContainText('Spearman with everything randomized');
  // The strip: one row (Grad-CAM) of the input and a map per stage; the stages' headers name them.
  const strip = page.getByTestId('sanity-strip');
  const headers = strip.locator('.head');
  const stages = (await headers.count()) - 1;
  expect(stages).toBeGreaterThanOrEqual(3);
  // One event as each stage starts, and one at the end.
  expect(progress).toEqual([...Array.from({ length: stages }, (_, i) => [i, stages]), [stages, stages]]);
  await expect(headers.nth(1)).toHaveText('original');
  await expect(strip.locator('canvas')).toHaveCount(stages + 1);
  // The curves: three panels, one line each for the single method, with a point per stage.
  const curves = page.getByTestId('sanity-curves');
  await expect(curves.locator('svg')).toHaveCount(3);
  await expect(curves.locator('polyline')).toHaveCount(3);
  await expect(curves.locator('svg').first().locator('circle')).toHaveCount(stages);
  await expect(page.getByText(/2 images/).first()).toBeVisible();

  // The files are in camscope's own folder, and Open asks the shell for the figure it wrote.
  await expect(page.getByTestId('sanity-dir')).toContainText('sanity-checks');
  await page.getByTestId('sanity-open').click();
  await expect.poll(async () => (await shellCalls(page.request)).some((c) => c.action === 'open' && /sanity-checks.*sanity\.png$/.test(c.path))).toBe(true);
  await shot(page, '30-sanity');
});

test('the progress bar moves per stage and a stopped check says Stopped', async () => {
  // More images and a score-based method, so there is time to press Stop.
  await pickMethods(['Grad-CAM', 'ScoreCAM++']);
  await page.getByLabel('Number of images').fill('100');
  await page.getByTestId('sanity-run').click();
  const bar = page.getByTestId('sanity-progress').getByRole('progressbar');
  await expect(page.getByTestId('sanity-progress')).toContainText(/Stage \d+ of \d+/);
  await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 60_000 }).toBeGreaterThan(0);
  await page.getByTestId('sanity-stop').click();
  await expect(page.getByTestId('sanity-stopped')).toContainText('Stopped');
  await expect(page.getByTestId('sanity-progress')).toBeHidden();
  // The earlier result stays on screen.
  await expect(page.getByTestId('sanity-verdicts')).toBeVisible();
  await page.getByLabel('Number of images').fill('2');
  await pickMethods(['Grad-CAM']);
});

test('the image open in the image view can be checked on its own', async () => {
  // No image is open yet: the choice is not offered.
  await expect(page.getByTestId('sanity-open-image')).toHaveCount(0);
  await nav('Images').click();
  await page.getByTestId('thumb-grid').locator('[data-file="003_trouser.png"]').dblclick();
  await expect(page.getByRole('heading', { name: '003_trouser.png' })).toBeVisible();
  await nav('Sanity check').click();
  await page.getByTestId('sanity-open-image').check();
  await expect(page.getByLabel('Number of images')).toBeDisabled();
  await expect(page.getByText('with the open image 003_trouser.png.')).toBeVisible();
  await page.getByTestId('sanity-run').click();
  await expect(page.getByRole('region', { name: 'Maps per stage' })).toContainText('003_trouser.png', { timeout: 120_000 });
  await expect(page.locator('.facts')).toContainText(/\b1 image\b/);
  await page.getByTestId('sanity-open-image').uncheck();
});

test('the Sanity screen at 1280×720 and 1920×1080, light and dark: nothing overlaps', async () => {
  for (const [width, height] of [[1280, 720], [1920, 1080]]) {
    await page.setViewportSize({ width, height });
    for (const theme of ['light', 'dark'] as const) {
      await page.getByRole('radio', { name: theme === 'light' ? 'Light theme' : 'Dark theme' }).click();
      await expect(page.locator('html')).toHaveAttribute('data-scheme', theme);
      await expect(page.getByTestId('sanity-verdicts')).toBeVisible();
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      await expectApart(['sanity-verdicts', 'sanity-strip', 'sanity-curves']);
      await shot(page, `gallery/${width}x${height}-${theme}-sanity`);
      // The lower half of the results, scrolled into view.
      await page.getByTestId('sanity-curves').scrollIntoViewIfNeeded();
      await shot(page, `gallery/${width}x${height}-${theme}-sanity-curves`);
      await page.evaluate(`document.querySelector('main.content').scrollTo(0, 0)`);
    }
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByRole('radio', { name: 'Light theme' }).click();
});

test('the Guide explains the sanity check', async () => {
  await page.getByRole('button', { name: 'Guide' }).click();
  await expect(page.getByTestId('guide-sanity')).toContainText('Cascading');
  await expect(page.getByTestId('guide-sanity')).toContainText('Run the check');
});

test('no Content-Security-Policy violations or page errors happened', async () => {
  expect(problems).toEqual([]);
});
