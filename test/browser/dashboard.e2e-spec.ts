import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { MEDIA_DIR, REPO_ROOT, startApp, type RunningApp } from '../support/app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const FFMPEG: string = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
const CHROMIUM = '/usr/bin/chromium';
const VIDEO = join(MEDIA_DIR, 'one-by-one-person-detection.mp4');
const DASHBOARD_INDEX = join(REPO_ROOT, 'dist', 'apps', 'dashboard', 'browser', 'index.html');
const OUTPUT_DIR = join(REPO_ROOT, 'test-output');
/** 24-42 s of the clip show one person standing at the table; the first seconds are an empty room. */
const PERSON_SEGMENT = { start: 25, seconds: 4 };

/**
 * The whole product in a real browser: the built dashboard served by the real server, a fake
 * camera playing a clip of the test video, real models. Proves that boxes are drawn over the live
 * stream and that an uploaded video's job completes with its overlays.
 */
describe('dashboard in headless Chromium', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let workDir: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(DASHBOARD_INDEX))
      throw new Error(`${DASHBOARD_INDEX} is missing: run "npx ng build dashboard" first`);
    mkdirSync(OUTPUT_DIR, { recursive: true });
    workDir = mkdtempSync(join(tmpdir(), 'forgesyte-browser-'));
    const camera = join(workDir, 'camera.y4m');
    execFileSync(FFMPEG, [
      '-v',
      'error',
      '-y',
      '-ss',
      String(PERSON_SEGMENT.start),
      '-t',
      String(PERSON_SEGMENT.seconds),
      '-i',
      VIDEO,
      '-vf',
      'scale=640:360',
      '-r',
      '10',
      '-pix_fmt',
      'yuv420p',
      camera,
    ]);
    app = await startApp({ JOBS_CONCURRENCY: 1 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${camera}`,
      ],
    });
    // A laptop screen.
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('streams the fake camera and draws person boxes over the analysed frames', async () => {
    await page.goto(`${app.url}/#/live`);
    await page.waitForSelector('[data-testid=pipeline-select] option[value=yolo]', { state: 'attached' });
    expect(await page.inputValue('[data-testid=pipeline-select]')).toBe('yolo');

    await page.click('[data-testid=start]');
    const person = await page.waitForSelector('[data-testid=detections] li[data-label=person]', { timeout: 30_000 });
    expect(Number(await person.getAttribute('data-score'))).toBeGreaterThan(0.3);
    const frameIndex = await page.getAttribute('[data-testid=overlay-canvas]', 'data-frame-index');
    expect(Number(frameIndex)).toBeGreaterThanOrEqual(0);

    // The canvas holds the analysed picture, not a blank: it has the frame's size and varied pixels.
    const canvas = await page.$eval('[data-testid=overlay-canvas]', (c) => {
      const el = c as HTMLCanvasElement;
      const data = el.getContext('2d')!.getImageData(0, 0, el.width, el.height).data;
      let min = 255;
      let max = 0;
      for (let i = 0; i < data.length; i += 4 * 97) {
        min = Math.min(min, data[i]);
        max = Math.max(max, data[i]);
      }
      return { width: el.width, height: el.height, spread: max - min };
    });
    expect(canvas).toMatchObject({ width: 640, height: 360 });
    expect(canvas.spread).toBeGreaterThan(50);

    await page.click('[data-testid=panel-toggle]');
    await page.waitForFunction(
      () => parseFloat(document.querySelector('[data-testid=results-per-second]')?.textContent ?? '0') > 0,
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.textContent('[data-testid=connection-status]')).toBe('open');
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard-live.png') });

    await page.click('[data-testid=stop]');
    await page.waitForSelector('[data-testid=start]');
    expect(pageErrors).toEqual([]);
  });

  it('streams a local video file for operators without a camera', async () => {
    // A fresh page: nothing left drawn by the camera test.
    await page.goto('about:blank');
    await page.goto(`${app.url}/#/live`);
    await page.check('input[name=source][value=file]');
    await page.setInputFiles('[data-testid=live-file]', VIDEO);
    await page.click('[data-testid=start]');
    // The clip opens on an empty room; a person walks in after about 5 s of playback.
    await page.waitForSelector('[data-testid=overlay-canvas][data-frame-index]', { timeout: 30_000 });
    await page.waitForSelector('[data-testid=detections] li[data-label=person]', { timeout: 30_000 });
    const size = await page.$eval('[data-testid=overlay-canvas]', (c) => [
      (c as HTMLCanvasElement).width,
      (c as HTMLCanvasElement).height,
    ]);
    // 768x432 fitted inside 640x480.
    expect(size).toEqual([640, 360]);
    await page.click('[data-testid=stop]');
    expect(pageErrors).toEqual([]);
  });

  it('uploads an MP4, follows the job to completion and shows its counts and overlays', async () => {
    await page.goto(`${app.url}/#/jobs`);
    await page.waitForSelector('[data-testid=job-pipeline] option[value=yolo]', { state: 'attached' });
    await page.setInputFiles('[data-testid=job-file]', VIDEO);
    await page.waitForSelector('[data-testid=chosen-file]');
    await page.fill('[data-testid=job-fps]', '1');
    await page.dispatchEvent('[data-testid=job-fps]', 'change');
    await page.click('[data-testid=upload]');

    const row = await page.waitForSelector('[data-testid=job-list] tr[data-job-id]');
    const jobId = await row.getAttribute('data-job-id');
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
    await page.waitForSelector(`tr[data-job-id="${jobId}"][data-status=completed]`, { timeout: 120_000 });
    const counts = /(\d+) \/ (\d+)/.exec((await page.textContent(`tr[data-job-id="${jobId}"]`)) ?? '');
    // One sample per second of a 139 s clip.
    expect(Number(counts?.[2])).toBeGreaterThanOrEqual(139);
    expect(counts?.[1]).toBe(counts?.[2]);

    await page.click(`tr[data-job-id="${jobId}"] [data-testid=view-job]`);
    await page.waitForSelector('[data-testid=job-viewer][data-state=ready]');
    expect(await page.textContent('[data-testid=job-viewer]')).toContain(`${counts?.[2]} sampled frames`);
    const personRow = await page.$$eval('[data-testid=class-counts] tr[data-label=person] td', (cells) =>
      cells.map((c) => Number(c.textContent)),
    );
    expect(personRow[1]).toBeGreaterThan(50); // sampled frames with a person: most of the clip
    // At the start of playback the overlay is the first sample's (an empty room: no person).
    await page.waitForSelector('[data-testid=job-overlay][data-timestamp-ms="0"]', { state: 'attached' });
    expect(await page.$$('[data-testid=job-detections] li[data-label=person]')).toHaveLength(0);
    await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard-jobs.png') });
    expect(pageErrors).toEqual([]);
  });

  it('plays the uploaded video back with the overlay of the frame under the playhead', async () => {
    // Continues on the results viewer of the job completed above. The server serves the upload back
    // with range requests (GET /video/jobs/{id}/video); seeking to 30 s shows that sample's overlay.
    await page.waitForSelector('[data-testid=job-viewer][data-state=ready]');
    await page.waitForFunction(
      () => (document.querySelector('[data-testid=job-video]') as HTMLVideoElement).readyState >= 1,
      undefined,
      {
        timeout: 10_000,
      },
    );
    await page.$eval('[data-testid=job-video]', (v) => ((v as HTMLVideoElement).currentTime = 30.2));
    await page.waitForSelector('[data-testid=job-overlay][data-timestamp-ms="30000"]', {
      state: 'attached',
      timeout: 10_000,
    });
    await page.waitForSelector('[data-testid=job-detections] li[data-label=person]');
    await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard-jobs-playback.png') });
    expect(pageErrors).toEqual([]);
  });
});
