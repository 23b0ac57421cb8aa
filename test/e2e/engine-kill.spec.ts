/**
 * The engine's OS process killed from outside by its pid (as `kill -9` or the OOM killer would, no hook inside the
 * bridge taking part) while an image's maps compute, then the next image opened with the arrow key: once the
 * engine restarts, that image is fully explained — also when the key comes in the instant after the kill, before
 * the app has noticed the death (issue #20's defect: that request went to the dead engine and was lost).
 */
import { expect, test, type Page } from '@playwright/test';
import { enginePid, openSpecPage, shot } from './helpers';

test.describe.configure({ mode: 'serial' });

let page: Page;
let methodCount = 0;
test.beforeAll(async ({ browser }) => {
  ({ page } = await openSpecPage(browser));
  methodCount = ((await page.evaluate(`window.camscope.invoke('methods:list')`)) as unknown[]).length;
});
test.afterAll(async () => {
  await page?.close();
});

const cards = () => page.locator('[data-method]');
const title = () => page.locator('.image-screen .title h1');

const WAYS = {
  // Deterministic form of the race: the engine is frozen (SIGSTOP) so it cannot read the next image's request, the
  // key is pressed, then the frozen process is SIGKILLed: that request went to an engine that died without reading it.
  'frozen, → pressed, then killed': 'frozen',
  // The key in the instant after the kill: the request races the app's notice of the death.
  'killed, → pressed at once': 'at-once',
  'killed, → pressed once the app said the engine stopped': 'after-notice',
} as const;

for (const [when, how] of Object.entries(WAYS)) {
  test(`SIGKILL by pid while maps compute (${when}): the next image gets every map`, async ({ request }) => {
    await page.locator('nav').getByRole('button', { name: /^Start/ }).click();
    await page.locator('[data-action=demo]').click();
    await expect(page.getByTestId('visible-count')).toHaveText('100 of 100', { timeout: 60_000 });
    const grid = page.getByTestId('thumb-grid');
    await grid.locator('.cell').nth(5).click();
    await grid.focus();
    await page.keyboard.press('Enter');
    // The image view is open and its maps are on their way.
    await expect(cards()).toHaveCount(methodCount);
    const before = await title().innerText();
    const pid = await enginePid(request);
    expect(pid).toBeGreaterThan(0);
    if (how === 'frozen') {
      process.kill(pid!, 'SIGSTOP');
      await page.keyboard.press('ArrowRight');
      await expect(title()).not.toHaveText(before);
      await page.waitForTimeout(500); // the request is on its way to the frozen engine
      process.kill(pid!, 'SIGKILL');
    } else {
      process.kill(pid!, 'SIGKILL');
      // The reason in brackets comes with the crash notice; a request racing it may show the banner first without it.
      if (how === 'after-notice') await expect(page.getByTestId('engine-banner')).toContainText('The analysis engine stopped');
      await page.keyboard.press('ArrowRight');
      await expect(title()).not.toHaveText(before);
    }
    await expect(page.locator('[data-method][data-state=done]')).toHaveCount(methodCount, { timeout: 120_000 });
    const restarted = await enginePid(request);
    expect(restarted).toBeGreaterThan(0);
    expect(restarted).not.toBe(pid);
    await shot(page, `16-after-kill-next-image-${how}`);
  });
}

test('back to an image explained a moment ago: every card says "cached", not "0 ms"', async () => {
  const explained = await title().innerText();
  await page.keyboard.press('ArrowLeft');
  await expect(title()).not.toHaveText(explained);
  await expect(page.locator('[data-method][data-state=done]')).toHaveCount(methodCount, { timeout: 120_000 });
  await page.keyboard.press('ArrowRight');
  await expect(title()).toHaveText(explained);
  await expect(page.locator('[data-method][data-state=done]')).toHaveCount(methodCount, { timeout: 60_000 });
  await expect(page.getByTestId('map-cached')).toHaveCount(methodCount);
  await expect(page.getByTestId('map-time')).toHaveCount(0);
  await expect(page.locator('[data-method]').filter({ hasText: /\b0 ms\b/ })).toHaveCount(0);
  await shot(page, '16-cached-maps');
});
