import type { Page } from 'playwright-core';
import { type RunningApp } from '../support/app';
import { openDashboard, TEST_VIDEO as VIDEO, type DashboardSession } from '../support/browser';

/**
 * Lines drawn with the mouse in the built dashboard, against the real server and models: the live stream reconnects
 * with them and reports their counts, and a job uploaded with a line shows its totals and counts over time.
 */
describe('dashboard lines and zones in headless Chromium', () => {
  let session: DashboardSession;
  let app: RunningApp;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    session = await openDashboard('tracking', { JOBS_CONCURRENCY: 1, PIPELINES: 'yolo,yolo_track' });
    ({ app, page, pageErrors } = session);
  });

  afterAll(() => session?.close());

  it('draws a line on the live view with the mouse and the stream reconnects counting on it', async () => {
    await page.goto(`${app.url}/#/live`);
    await page.waitForSelector('[data-testid=pipeline-select] option[value=yolo_track]', { state: 'attached' });
    // Drawing needs a tracking pipeline: the default one shows the hint.
    expect(await page.textContent('[data-testid=scene-hint]')).toContain('tracking pipeline');
    await page.selectOption('[data-testid=pipeline-select]', 'yolo_track');
    await page.waitForSelector('[data-testid=apply-scene]');
    await page.click('[data-testid=start]');
    await page.waitForSelector('[data-testid=overlay-canvas][data-frame-index]', { timeout: 60_000 });

    // Two clicks across the middle of the shown picture (640x360): a horizontal line in the pixels of the frames sent,
    // the camera fitted inside yolo_track's frame_size (416x416), 416x234.
    const box = (await (await page.$('[data-testid=overlay-canvas]'))!.boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.1, box.y + box.height / 2);
    await page.mouse.click(box.x + box.width * 0.9, box.y + box.height / 2);
    // The view renders after the click event, a moment later on a busy machine: wait for the text, do not read it once.
    await page.waitForFunction(
      () => document.querySelector('[data-testid=scene-summary]')?.textContent?.includes('1 line(s)') === true,
      undefined,
      { timeout: 10_000 },
    );

    const reconnected = page.waitForEvent('websocket', {
      predicate: (ws) => ws.url().includes('lines='),
      timeout: 30_000,
    });
    await page.click('[data-testid=apply-scene]');
    const socket = await reconnected;
    const url = new URL(socket.url());
    expect(url.searchParams.get('pipeline_id')).toBe('yolo_track');
    const lines = JSON.parse(url.searchParams.get('lines') ?? '[]') as { id: string; from: number[]; to: number[] }[];
    expect(lines).toHaveLength(1);
    expect(lines[0]?.id).toBe('line1');
    // The picture is letterboxed in its box: y is the frame's middle, x spans most of its width.
    expect(Math.abs((lines[0]?.from[1] ?? 0) - 117)).toBeLessThanOrEqual(2);
    expect(lines[0]?.from[0]).toBeLessThan(0.15 * 416);
    expect(lines[0]?.to[0]).toBeGreaterThan(0.85 * 416);
    expect(lines[0]?.to[0]).toBeLessThanOrEqual(416);

    // The server counts on the line: its results carry the line's counts.
    const counted = await socket.waitForEvent('framereceived', {
      predicate: (frame) => typeof frame.payload === 'string' && frame.payload.includes('"lines":[{"id":"line1"'),
      timeout: 60_000,
    });
    expect(counted.payload).toContain('"in":');
    // Counted in the pixels of the frames the page sends, the same ones the line is in.
    expect(counted.payload).toContain('"image":{"width":416,"height":234}');
    await page.waitForFunction(
      () => document.querySelector('[data-testid=scene-summary]')?.textContent?.includes('applied') === true,
      undefined,
      { timeout: 10_000 },
    );

    await page.click('[data-testid=stop]');
    await page.waitForSelector('[data-testid=start]');
    expect(pageErrors).toEqual([]);
  });

  it('uploads a job with a line and shows its totals and counts over time', async () => {
    await page.goto(`${app.url}/#/jobs`);
    await page.waitForSelector('[data-testid=job-pipeline] option[value=yolo_track]', { state: 'attached' });
    await page.selectOption('[data-testid=job-pipeline]', 'yolo_track');
    await page.setInputFiles('[data-testid=job-file]', VIDEO);
    await page.waitForSelector('[data-testid=chosen-file]');
    await page.fill('[data-testid=job-fps]', '0.5');
    await page.dispatchEvent('[data-testid=job-fps]', 'change');
    await page.fill('[data-testid=job-lines]', '[{"id": "door", "from": [0, 300], "to": [768, 300]}]');
    await page.dispatchEvent('[data-testid=job-lines]', 'change');
    await page.click('[data-testid=upload]');

    const row = await page.waitForSelector('[data-testid=job-list] tr[data-job-id]');
    const jobId = await row.getAttribute('data-job-id');
    await page.waitForSelector(`tr[data-job-id="${jobId}"][data-status=completed]`, { timeout: 180_000 });
    await page.click(`tr[data-job-id="${jobId}"] [data-testid=view-job]`);
    await page.waitForSelector('[data-testid=job-viewer][data-state=ready]');
    const totals = await page.waitForSelector('[data-testid=line-totals] tr[data-line=door]');
    const status = (await (await fetch(`${app.url}/video/status/${jobId}`)).json()) as {
      lines?: { id: string; in: number; out: number }[];
    };
    expect(status.lines).toHaveLength(1);
    expect(await totals.getAttribute('data-in')).toBe(String(status.lines?.[0]?.in));
    expect(await totals.getAttribute('data-out')).toBe(String(status.lines?.[0]?.out));
    // The counts over time start at the first sampled frame and end at the totals.
    const steps = await page.$$eval('[data-testid=line-timeline] tbody tr', (rows) =>
      rows.map((r) => r.querySelector('td')?.textContent?.trim()),
    );
    expect(steps[0]).toBe('0 / 0');
    expect(steps.at(-1)).toBe(`${status.lines?.[0]?.in} / ${status.lines?.[0]?.out}`);
    expect(pageErrors).toEqual([]);
  });
});
