import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { CameraListResponse, CameraView } from '@forgesyte/contracts';
import { startApp, untilReady, waitFor, type RunningApp } from '../support/app';
import { fakeCameraClip, launchChromium, OUTPUT_DIR, prepareBrowserTest } from '../support/browser';
import { createCamera, getCamera, openViewer } from '../support/cameras';
import { call } from '../support/jobs-http';
import { startRtspServer, type RtspServer } from '../support/rtsp';

/** The Cameras page against a real RTSP source (with basic authentication) in headless Chromium. */
describe('dashboard cameras in headless Chromium', () => {
  let app: RunningApp;
  let rtsp: RtspServer;
  let browser: Browser;
  let page: Page;
  let workDir: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    workDir = prepareBrowserTest('cameras');
    rtsp = await startRtspServer('admin:s3cret');
    app = await startApp({ PIPELINES: 'yolo,yolo_track' });
    await untilReady(app);
    browser = await launchChromium(fakeCameraClip(workDir));
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await rtsp?.kill();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('adds a camera, shows its live tile with frames, enlarges it, edits it keeping the password, and removes it', async () => {
    await page.goto(`${app.url}/#/cameras`);
    await page.waitForSelector('[data-testid=camera-pipeline] option[value=yolo]', { state: 'attached' });
    await page.fill('[data-testid=camera-name]', 'Office');
    await page.fill('[data-testid=camera-url]', rtsp.url('cam', 'admin:s3cret'));
    await page.click('[data-testid=camera-save]');

    const tile = '[data-testid=camera-tile]';
    await page.waitForSelector(`${tile}[data-status=streaming]`, { timeout: 90_000 });
    // A frame was drawn: the canvas took the JPEG's size (the clip fitted into 416 x 416).
    await page.waitForFunction(
      () => document.querySelector('[data-testid=camera-tile] canvas')?.getAttribute('width') === '416',
      undefined,
      { timeout: 60_000 },
    );
    await page.waitForFunction(
      () => parseFloat(document.querySelector('[data-testid=camera-fps]')?.textContent ?? '0') > 0,
      undefined,
      { timeout: 60_000 },
    );
    expect(await page.textContent(`${tile} figcaption`)).toContain('Office');
    await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard-cameras.png') });

    await page.click(`${tile} canvas`);
    await page.waitForSelector('.cell.large');

    // Edit: the form gets the masked URL; saving it keeps the password, so the camera streams again.
    await page.click('text=Edit');
    expect(await page.inputValue('[data-testid=camera-url]')).toBe(rtsp.url('cam', 'admin:***'));
    await page.fill('[data-testid=camera-name]', 'Office 2');
    await page.click('[data-testid=camera-save]');
    await page.waitForFunction(
      () => document.querySelector('[data-testid=camera-tile] figcaption')?.textContent?.includes('Office 2'),
      undefined,
      { timeout: 30_000 },
    );
    const list = (await call<CameraListResponse>(`${app.url}/cameras`)).body.cameras;
    expect(list).toHaveLength(1);
    await waitFor(async () => {
      const c = (await call<CameraListResponse>(`${app.url}/cameras`)).body.cameras[0];
      return c?.status === 'streaming' && c.name === 'Office 2' ? true : undefined;
    }, 60_000);

    await page.click('[data-testid=camera-remove]');
    await page.waitForSelector(tile, { state: 'detached' });
    expect((await call<CameraListResponse>(`${app.url}/cameras`)).body.cameras).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('draws a counting line on a tracking camera tile with the mouse, saves it with PATCH and shows its counts', async () => {
    const created = await createCamera(app.url, {
      name: 'Hall',
      url: rtsp.url('cam', 'admin:s3cret'),
      pipeline_id: 'yolo_track',
      fps: 2,
    });
    expect(created.status).toBe(201);
    const { id } = created.body;
    await page.goto(`${app.url}/#/cameras`);
    const tile = `[data-testid=camera-tile][data-camera-id="${id}"]`;
    await page.waitForSelector(`${tile}[data-status=streaming]`, { timeout: 90_000 });
    await page.waitForFunction(
      (selector) => document.querySelector(`${selector} canvas`)?.getAttribute('width') === '416',
      tile,
      { timeout: 60_000 },
    );
    expect(await page.$(`${tile} [data-testid=camera-line-counts]`)).toBeNull();

    // A vertical line through the middle of the picture, top to bottom.
    await page.click(`${tile} [data-testid=camera-draw-line]`);
    const box = await page.locator(`${tile} canvas`).boundingBox();
    if (box === null) throw new Error('the tile has no canvas');
    await page.mouse.click(box.x + box.width / 2, box.y + box.height * 0.1);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height * 0.9);

    // Saved on the camera, in the camera's own pixels (the clip is 768 x 432).
    const saved = await waitFor(async () => {
      const camera: CameraView = await getCamera(app.url, id);
      return camera.lines.length === 1 ? camera : undefined;
    }, 30_000);
    const [line] = saved.lines;
    expect(line?.id).toBe('line1');
    expect(Math.abs((line?.from[0] ?? 0) - 384)).toBeLessThanOrEqual(4);
    expect(Math.abs((line?.to[0] ?? 0) - 384)).toBeLessThanOrEqual(4);
    expect(Math.abs((line?.from[1] ?? 0) - 43)).toBeLessThanOrEqual(4);
    expect(Math.abs((line?.to[1] ?? 0) - 389)).toBeLessThanOrEqual(4);
    expect(saved.line_counts).toEqual([{ id: 'line1', in: 0, out: 0 }]);

    // Its counts on the tile, then from the camera's results once it has restarted with the line.
    await page.waitForSelector(`${tile} [data-testid=camera-line-counts]`, { timeout: 30_000 });
    expect(await page.textContent(`${tile} [data-testid=camera-line-counts]`)).toMatch(/line1: in \d+ · out \d+/);
    const viewer = await openViewer(app.wsUrl, id);
    await viewer.until((v) => v.results.some((r) => r.result.lines?.[0]?.id === 'line1'), 90_000);
    viewer.ws.close();
    await page.waitForTimeout(1000); // for the screenshot: the tile draws the same frame with the line
    await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard-camera-line.png') });

    await page.click(`${tile} [data-testid=camera-clear-scene]`);
    await waitFor(async () => ((await getCamera(app.url, id)).lines.length === 0 ? true : undefined), 30_000);
    await page.waitForSelector(`${tile} [data-testid=camera-line-counts]`, { state: 'detached', timeout: 30_000 });
    await call(`${app.url}/cameras/${id}`, { method: 'DELETE' });
    expect(pageErrors).toEqual([]);
  });
});
