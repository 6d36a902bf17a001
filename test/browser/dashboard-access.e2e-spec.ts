import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startApp, type RunningApp } from '../support/app';
import { fakeCameraClip, launchChromium, OUTPUT_DIR, prepareBrowserTest } from '../support/browser';

const KEY = 'dashboard-browser-key';

/**
 * The dashboard against a server with API keys: it asks for the key on the first 401, asks again
 * when the key is wrong, and then uses it for REST (header) and the live WebSocket (?api_key=).
 */
describe('dashboard with API keys in headless Chromium', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let workDir: string;
  const pageErrors: string[] = [];
  const socketUrls: string[] = [];

  beforeAll(async () => {
    workDir = prepareBrowserTest('access');
    const camera = fakeCameraClip(workDir);
    app = await startApp({ PIPELINES: 'yolo', API_KEYS: KEY });
    browser = await launchChromium(camera);
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('websocket', (ws) => socketUrls.push(ws.url()));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('asks for the key, asks again for a wrong one, then streams with live detections', async () => {
    await page.goto(`${app.url}/#/live`);
    await page.waitForSelector('[data-testid=api-key-dialog]');
    await page.fill('[data-testid=api-key-input]', 'not-the-key');
    await page.click('[data-testid=api-key-submit]');
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=api-key-dialog]')?.textContent?.includes('did not accept'),
    );
    await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard-api-key.png') });
    await page.fill('[data-testid=api-key-input]', KEY);
    await page.click('[data-testid=api-key-submit]');
    await page.waitForSelector('[data-testid=api-key-dialog]', { state: 'detached' });

    // REST went through with the key: the pipelines are listed.
    await page.waitForSelector('[data-testid=pipeline-select] option[value=yolo]', { state: 'attached' });
    await page.click('[data-testid=start]');
    const person = await page.waitForSelector('[data-testid=detections] li[data-label=person]', { timeout: 60_000 });
    expect(Number(await person.getAttribute('data-score'))).toBeGreaterThan(0.3);
    expect(socketUrls.at(-1)).toContain(`api_key=${KEY}`);
    await page.click('[data-testid=stop]');

    // Kept for the browser session: the jobs page loads without asking again.
    await page.goto(`${app.url}/#/jobs`);
    await page.waitForSelector('[data-testid=job-pipeline] option[value=yolo]', { state: 'attached' });
    expect(await page.$('[data-testid=api-key-dialog]')).toBeNull();
    expect(await page.evaluate(() => sessionStorage.getItem('forgesyte.api_key'))).toBe(KEY);
    expect(pageErrors).toEqual([]);
  });

  it('asks again when the key kept in the session is refused', async () => {
    await page.evaluate(() => sessionStorage.setItem('forgesyte.api_key', 'revoked-key'));
    await page.goto('about:blank');
    await page.goto(`${app.url}/#/live`);
    // /pipelines answers 401 with the revoked key: the dialog says so.
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=api-key-dialog]')?.textContent?.includes('did not accept'),
    );
    await page.fill('[data-testid=api-key-input]', KEY);
    await page.click('[data-testid=api-key-submit]');
    await page.waitForSelector('[data-testid=pipeline-select] option[value=yolo]', { state: 'attached' });
    expect(pageErrors).toEqual([]);
  });
});
