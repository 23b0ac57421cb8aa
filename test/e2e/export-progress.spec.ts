/**
 * Figure export progress in Chromium against the web bridge: while score-based maps are computed, the dialog says
 * the time left (the session counts masked passes: test/main/export-progress.test.ts).
 */
import path from 'node:path';
import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { presetDialog, resetApp, shot, watchProblems } from './helpers';

test('a figure export says the time left while its score-based maps are computed', async ({ page, request }) => {
  test.setTimeout(600_000);
  const problems = watchProblems(page);
  const dir = path.resolve('test-output/e2e-export-progress');
  fs.rmSync(dir, { recursive: true, force: true });
  await resetApp(request);
  await page.goto('/');
  await page.locator('[data-action=demo]').click();
  await expect(page.getByText('Predictions ready')).toBeVisible({ timeout: 120_000 });
  await presetDialog(request, 'exportFigure', dir);
  await page.locator('.topbar').getByRole('button', { name: 'Figure' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export figure' });
  await dialog.getByRole('radio', { name: /The first/ }).check();
  await dialog.getByLabel('Number of images').fill('30');
  await page.getByTestId('export-figure').click();
  await expect(dialog.getByTestId('export-eta')).toHaveText(/^About .+ left$/, { timeout: 120_000 });
  await shot(page, 'export-progress');
  await expect(page.getByTestId('export-done')).toBeVisible({ timeout: 480_000 });
  expect(fs.statSync(path.join(dir, 'figure.png')).size).toBeGreaterThan(1000);
  expect(problems).toEqual([]);
});
