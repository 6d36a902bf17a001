import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import {
  classifyStreamMessage,
  STREAM_CLOSE_CODES,
  type JobResultsResponse,
  type PipelineResult,
} from '@forgesyte/contracts';
import { startApp, untilReady, type RunningApp } from './support/app';
import { call, submit, untilFinished } from './support/jobs-http';
import {
  BAY,
  buildClip,
  CLIP,
  DOOR,
  scoreTracking,
  type SyntheticClip,
  type TrackingScore,
} from './support/synthetic-clip';

/** yolo_track's confirm_frames. */
const CONFIRM = 3;
const geometry = { lines: JSON.stringify([DOOR]), zones: JSON.stringify([BAY]) };

function report(how: string, score: TrackingScore): void {
  process.stdout.write(
    `tracking (${how}): ids per walker ${JSON.stringify(score.ids)}, id switches ${score.idSwitches}, ` +
      `untracked frames ${score.untracked}, door ${JSON.stringify(score.last.lines)}, count errors ` +
      `${score.countErrors}, bay frame errors ${score.zoneErrors}\n`,
  );
}

/** The truth: one id per walker for its whole path, both counted once on the door, the bay right on every frame. */
function expectTruth(score: TrackingScore): void {
  expect(score.ids).toHaveLength(2);
  expect(score.ids.map((ids) => ids.length)).toEqual([1, 1]);
  expect(score.ids[0]![0]).not.toBe(score.ids[1]![0]);
  expect(score.idSwitches).toBe(0);
  expect(score.untracked).toBe(0);
  expect(score.last.lines).toEqual([{ id: 'door', in: 1, out: 1 }]);
  expect(score.zoneErrors).toBe(0);
}

describe('tracking on a synthetic clip with known truth', () => {
  let app: RunningApp;
  let dir: string;
  let clip: SyntheticClip;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'forgesyte-tracking-'));
    [app, clip] = await Promise.all([startApp({ PIPELINES: 'yolo,yolo_track', JOBS_CONCURRENCY: 1 }), buildClip(dir)]);
    await untilReady(app);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('as a job: one id per person, exact door counts and bay counts, totals in the status', async () => {
    const submitted = await submit(app.url, clip.mp4, { pipeline_id: 'yolo_track', ...geometry });
    expect(submitted.status).toBe(202);
    const done = await untilFinished(app.url, submitted.body.job_id);
    expect(done.status).toBe('completed');
    expect(done.lines).toEqual([{ id: 'door', in: 1, out: 1 }]);
    const page = await call<JobResultsResponse>(`${app.url}/video/results/${submitted.body.job_id}?limit=1000`);
    expect(page.body.frames).toHaveLength(CLIP.frames);
    const score = scoreTracking(
      page.body.frames.map((f) => f.result),
      clip.widths,
      CONFIRM,
    );
    report('job', score);
    expectTruth(score);
    const events = page.body.frames.flatMap((f) => f.result.events ?? []);
    const [a, b] = score.ids.map((ids) => ids[0]);
    const crossings = events.filter((e) => e.type === 'line_crossed').sort((x, y) => x.track_id - y.track_id);
    expect(crossings).toEqual(
      [
        { type: 'line_crossed', line_id: 'door', track_id: a, direction: 'out' },
        { type: 'line_crossed', line_id: 'door', track_id: b, direction: 'in' },
      ].sort((x, y) => x.track_id! - y.track_id!),
    );
  });

  it('over the live stream: the same truth, counts starting at the connection', async () => {
    // The clip is sent as fast as the server answers, so it declares its frame rate: motion is tracked on the
    // clip's clock, not on arrival times that follow the server's speed.
    const query = new URLSearchParams({ pipeline_id: 'yolo_track', fps: String(CLIP.fps), ...geometry });
    const socket = new WebSocket(`${app.wsUrl}/ws/video/stream?${query.toString()}`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const results: PipelineResult[] = [];
    for (const jpeg of clip.jpegs) {
      const answer = new Promise<string>((resolve) =>
        socket.once('message', (data: Buffer) => resolve(data.toString())),
      );
      socket.send(jpeg);
      const message = classifyStreamMessage(await answer);
      if (message?.kind !== 'result') throw new Error(`expected a result, got ${JSON.stringify(message)}`);
      results.push(message.message.result);
    }
    socket.close();
    const score = scoreTracking(results, clip.widths, CONFIRM);
    report('live stream', score);
    expectTruth(score);
  });

  it('refuses bad geometry and lines on a pipeline without a track node, over REST and the stream', async () => {
    const bad = await submit(app.url, clip.mp4, { pipeline_id: 'yolo_track', lines: '[{"id":"x"}]' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      error: 'invalid_geometry',
      detail: expect.stringMatching(/lines\[0\]\.from/) as unknown,
    });
    const untracked = await submit(app.url, clip.mp4, { pipeline_id: 'yolo', ...geometry });
    expect(untracked.status).toBe(400);
    expect(untracked.body.error).toBe('invalid_geometry');

    const query = new URLSearchParams({ pipeline_id: 'yolo', lines: geometry.lines });
    const socket = new WebSocket(`${app.wsUrl}/ws/video/stream?${query.toString()}`);
    const [message, code] = await Promise.all([
      new Promise<string>((resolve) => socket.once('message', (data: Buffer) => resolve(data.toString()))),
      new Promise<number>((resolve) => socket.once('close', resolve)),
    ]);
    expect(classifyStreamMessage(message)).toMatchObject({ kind: 'error', message: { error: 'invalid_geometry' } });
    expect(code).toBe(STREAM_CLOSE_CODES.invalid_geometry);
  });
});
