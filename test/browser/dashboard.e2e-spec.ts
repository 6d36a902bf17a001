import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { classifyStreamMessage, type Box, type PipelineResult } from '@forgesyte/contracts';
import { PipelineService } from '@forgesyte/server/pipeline/pipeline.service';
import { iou } from '@forgesyte/vision';
import { startApp, waitFor, type RunningApp } from '../support/app';
import {
  fakeCameraClip,
  fakeCameraStills,
  launchChromium,
  TEST_VIDEO as VIDEO,
  OUTPUT_DIR,
  prepareBrowserTest,
} from '../support/browser';

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
  let camera: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    workDir = prepareBrowserTest('dashboard');
    camera = fakeCameraClip(workDir);
    app = await startApp({ JOBS_CONCURRENCY: 1 });
    browser = await launchChromium(camera);
    // A laptop screen.
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // Any console error fails the test, a missing resource (404) included.
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()} (${message.location().url})`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('streams the fake camera at the pipeline frame size and draws person boxes over the analysed frames', async () => {
    // Every answer the page receives, by frame_index: the server's view of the frames the page sent.
    const answers = new Map<number, PipelineResult>();
    page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        const parsed = typeof payload === 'string' ? classifyStreamMessage(payload) : null;
        if (parsed?.kind === 'result') answers.set(parsed.message.frame_index, parsed.message.result);
      }),
    );
    await page.goto(`${app.url}/#/live`);
    // The tab icon the page names is served (a browser asks for it on every load).
    const icon = await page.$eval('link[rel=icon]', (link) => (link as HTMLLinkElement).href);
    const iconResponse = await fetch(icon);
    expect(iconResponse.status).toBe(200);
    expect(iconResponse.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
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
        const red = data[i] ?? min; // i < data.length
        min = Math.min(min, red);
        max = Math.max(max, red);
      }
      return { width: el.width, height: el.height, spread: max - min };
    });
    expect(canvas).toMatchObject({ width: 640, height: 360 });
    expect(canvas.spread).toBeGreaterThan(50);

    // The page sends the 640x360 camera fitted inside yolo's frame_size (416x416): the server decoded 416x234 frames.
    expect(answers.size).toBeGreaterThan(0);
    expect(new Set([...answers.values()].map((r) => `${r.image.width}x${r.image.height}`))).toEqual(
      new Set(['416x234']),
    );
    await expectPersonDrawnInPlace(answers);

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

  /**
   * The frame on the canvas now: its answer's person box, scaled from the 416x234 frame sent to the 640x360 picture,
   * lies on the person the same pipeline finds in the camera's full-size frames, and the box is drawn there.
   */
  async function expectPersonDrawnInPlace(answers: Map<number, PipelineResult>): Promise<void> {
    const pipelines = app.app.get(PipelineService);
    const reference: Box[] = [];
    for (const [i, still] of fakeCameraStills(camera, workDir).entries()) {
      const result = await pipelines.runOnFrame('yolo', i, still, { priority: 'job' });
      expect(result.image).toEqual({ width: 640, height: 360 });
      reference.push(...result.detections.filter((d) => d.label === 'person' && d.score > 0.5).map((d) => d.box));
    }
    expect(reference.length).toBeGreaterThan(0);

    // A drawn frame whose answer has a person (the answer reached this process too: both come over the one socket).
    const { shown, answer, person } = await waitFor(async () => {
      const now = await page.$eval('[data-testid=overlay-canvas]', (c) => ({
        frameIndex: Number(c.getAttribute('data-frame-index')),
        png: (c as HTMLCanvasElement).toDataURL('image/png'),
      }));
      const result = answers.get(now.frameIndex);
      const people = result?.detections.filter((d) => d.label === 'person') ?? [];
      const found = people.sort((a, b) => b.score - a.score)[0];
      return result && found ? { shown: now, answer: result, person: found } : undefined;
    }, 15_000);
    const s = 640 / answer.image.width;
    const box = { x1: person.box.x1 * s, y1: person.box.y1 * s, x2: person.box.x2 * s, y2: person.box.y2 * s };
    expect(Math.max(...reference.map((r) => iou(r, box)))).toBeGreaterThan(0.6);

    // The person colour (#ffb000) on the box's left and bottom edges, in the picture's pixels.
    const { data, info } = await sharp(Buffer.from(shown.png.split(',')[1] ?? '', 'base64'))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const colourAt = (x: number, y: number): [number, number, number] => {
      const px = Math.min(info.width - 1, Math.floor(x));
      const py = Math.min(info.height - 1, Math.floor(y));
      const i = (py * info.width + px) * 3;
      return [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
    };
    for (const [r, g, b] of [colourAt(box.x1, (box.y1 + box.y2) / 2), colourAt((box.x1 + box.x2) / 2, box.y2)]) {
      expect(r).toBeGreaterThan(200);
      expect(Math.abs(g - 176)).toBeLessThan(50);
      expect(b).toBeLessThan(90);
    }
  }

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
