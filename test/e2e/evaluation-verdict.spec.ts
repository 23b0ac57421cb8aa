/**
 * ROAD, the maps' complexity and the verdict across metrics on the Evaluation screen, end to end in Chromium against
 * the web bridge and the real engine: open the demo, run a small evaluation (4 images, Grad-CAM and LayerCAM, ROAD
 * ticked), and check that the ROAD rows, the "Complexity of the maps" block and the verdict card show the numbers
 * and sentences of the run's own `evaluation:get`. The Guide explains ROAD and why the measures disagree.
 * Screenshots at 1280×720, light and dark.
 */
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { openSpecPage, shot } from './helpers';

const WORK = path.resolve('test-output/e2e-evaluation-verdict');

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

/** The table's number formatting: fixed decimals, "-0.00" as "0.00", no value as "–". */
const fixed = (v: number | null | undefined, digits: number): string => {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const s = v.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
};

/** Light and dark at 1280×720, named evaluation-verdict-NAME-1280-THEME. */
async function shots(name: string): Promise<void> {
  for (const theme of ['Light', 'Dark']) {
    await page.getByRole('radio', { name: `${theme} theme` }).click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme.toLowerCase());
    await shot(page, `evaluation-verdict-${name}-1280-${theme.toLowerCase()}`);
  }
  await page.getByRole('radio', { name: 'Light theme' }).click();
}

type Row = Record<string, number | null | undefined>;
interface Detail {
  settings: { road?: { fractions: number[] } };
  table: { methods: string[]; rows: Record<string, Row> };
  records: { methods: Record<string, { road?: { morf: number[]; lerf: number[] } }> }[];
  verdict: { ranked: { key: string; name: string }[]; ranks: Record<string, Record<string, number>>; median: Record<string, number | null>; sentences: string[] };
  complexityNote: string;
}
let detail: Detail;

test('a small evaluation with ROAD shows the ROAD rows, the complexity block and the verdict, with the run’s numbers', async () => {
  await page.locator('[data-action=demo]').click();
  await expect(page.getByTestId('visible-count')).toHaveText('100 of 100');
  await expect(page.getByText('Predictions ready')).toBeVisible();
  await nav('Evaluation').click();

  const road = form().getByTestId('road-check');
  await expect(form().getByText('ROAD (slower: 18 more model passes per image and method)')).toBeVisible();
  await expect(road).not.toBeChecked();
  await road.check();
  await pickMethods(['Grad-CAM', 'LayerCAM']);
  await form().getByTestId('reference-check').uncheck();
  await page.getByLabel('Sample size').fill('4');
  await page.getByRole('button', { name: 'Run evaluation' }).click();
  const table = page.getByTestId('metric-table');
  await expect(table).toBeVisible({ timeout: 120_000 });
  await expect(table.locator('thead th')).toHaveText(['Metric', 'Grad-CAM', 'LayerCAM']);

  const runs = (await page.evaluate(`window.camscope.invoke('evaluation:list')`)) as { id: number }[];
  detail = (await page.evaluate(`window.camscope.invoke('evaluation:get', { id: ${runs[runs.length - 1].id} })`)) as Detail;
  expect(detail.table.methods).toEqual(['gradcam', 'layercam']);
  expect(detail.settings.road?.fractions).toHaveLength(9);
  expect(detail.records).toHaveLength(4);
  expect(detail.records[0].methods.gradcam.road?.morf).toHaveLength(9);

  // ROAD's rows after the paper's, each with its direction, and the run's values in the table's decimals.
  const directions: Record<string, string> = { road_morf: '↓ lower is better', road_lerf: '↑ higher is better', road_combined: '↑ higher is better' };
  const labels: Record<string, string> = { road_morf: 'ROAD MoRF', road_lerf: 'ROAD LeRF', road_combined: 'ROAD combined' };
  await expect(table.locator('tbody tr[data-metric]').nth(6)).toHaveAttribute('data-metric', 'road_morf');
  for (const key of Object.keys(directions)) {
    const row = table.locator(`tbody tr[data-metric=${key}]`);
    await expect(row.locator('th')).toContainText(labels[key]);
    await expect(row.locator('th')).toContainText(directions[key]);
    await expect(row.locator('td')).toHaveText(detail.table.methods.map((m) => new RegExp(`^${fixed(detail.table.rows[m][key], 4)}★?$`)));
  }

  // The complexity block: both rows with the run's values, no star (they do not rank faithfulness), and the note.
  const block = page.getByTestId('complexity-block');
  await expect(block.getByRole('heading', { name: 'Complexity of the maps' })).toBeVisible();
  const complexity = block.getByTestId('complexity-table');
  await expect(complexity.locator('tbody tr[data-metric=sparseness] th')).toContainText('↑ higher = more concentrated');
  await expect(complexity.locator('tbody tr[data-metric=complexity] th')).toContainText('↓ lower = more concentrated');
  await expect(complexity.locator('tbody tr[data-metric=sparseness] td')).toHaveText(detail.table.methods.map((m) => fixed(detail.table.rows[m].sparseness, 4)));
  await expect(complexity.locator('tbody tr[data-metric=complexity] td')).toHaveText(detail.table.methods.map((m) => fixed(detail.table.rows[m].complexity, 3)));
  await expect(complexity.locator('td.best')).toHaveCount(0);
  await expect(block.getByTestId('complexity-note')).toHaveText(detail.complexityNote);
  await expect(block.getByTestId('complexity-note')).toContainText('not whether it is faithful');

  // The verdict: ROAD ranked once (combined), each method's ranks and median rank, and every sentence.
  const verdict = page.getByTestId('verdict-block');
  await expect(verdict.getByRole('heading', { name: 'Verdict across metrics' })).toBeVisible();
  expect(detail.verdict.ranked.map((x) => x.key)).toContain('road_combined');
  expect(detail.verdict.ranked.map((x) => x.key)).not.toContain('road_morf');
  await expect(verdict.locator('[data-testid=verdict-ranks] thead th')).toHaveText(['Method', ...detail.verdict.ranked.map((x) => x.name), 'Median rank']);
  for (const m of detail.table.methods) {
    const row = verdict.locator(`[data-testid=verdict-ranks] tbody tr[data-method="${m}"]`);
    const median = detail.verdict.median[m]!;
    await expect(row.locator('td')).toHaveText([
      ...detail.verdict.ranked.map((x) => String(detail.verdict.ranks[m][x.key])),
      Number.isInteger(median) ? String(median) : median.toFixed(1),
    ]);
  }
  await expect(verdict.getByTestId('verdict-sentences').locator('li')).toHaveText(detail.verdict.sentences);
  await expect(verdict.getByTestId('verdict-sentences')).toContainText(/Median rank over the 7 metrics \(1 = best\): /);
  await expect(verdict.getByTestId('verdict-sentences')).toContainText(/Grad-CAM|LayerCAM/);

  await shots('results');
  // The verdict card and the complexity block under it, both whole (browser-side code as a string: no DOM types here).
  await page.evaluate(`document.querySelector('[data-testid=complexity-block]').scrollIntoView({ block: 'end' })`);
  await expect(verdict).toBeInViewport({ ratio: 1 });
  await shots('card');
});

test('the Guide explains ROAD and why the measures can disagree', async () => {
  await page.locator('.sidebar-foot').getByRole('button', { name: 'Guide' }).click();
  const guide = page.getByTestId('guide-road');
  await expect(guide.getByRole('heading', { name: 'ROAD, complexity and why the measures disagree' })).toBeVisible();
  await expect(guide).toContainText('most highlighted pixels first (MoRF)');
  await expect(guide).toContainText('Why the measures can disagree');
  await expect(guide).toContainText('never names one winner');
  await guide.scrollIntoViewIfNeeded();
  await shots('guide');
  expect(problems).toEqual([]);
});
