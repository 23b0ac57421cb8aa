/**
 * End-to-end tests of the real UI in Debian's Chromium, against the web test bridge (src/main/web-bridge), which
 * serves the built renderer and runs the real engine. `npx playwright test` builds the app when it is stale,
 * starts the bridge on 127.0.0.1, and writes test-output/playwright.json and screenshots under test-output/.
 */
import { defineConfig } from '@playwright/test';

const port = Number(process.env.CAMSCOPE_E2E_PORT ?? 47813);
const baseURL = `http://127.0.0.1:${port}/`;

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '*.spec.ts',
  outputDir: 'test-output/playwright-artifacts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: [['list'], ['json', { outputFile: 'test-output/playwright.json' }]],
  use: {
    baseURL,
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  webServer: {
    command: `node --import tsx src/main/web-bridge/serve.ts --port ${port} --test-hooks --build`,
    // The bridge prints a fresh test-hook token, then its URL once it listens. Waiting for both (not polling the
    // URL) means the tests start only when the token is in process.env.CAMSCOPE_TEST_TOKEN (Playwright stores
    // named groups there), which test/e2e/helpers.ts sends with every /__test/* request.
    wait: { stdout: /camscope web bridge test-hook token: (?<camscope_test_token>[0-9a-f]{64})[\s\S]*camscope web bridge: http:/ },
    reuseExistingServer: false,
    timeout: 240_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
