import { join } from 'node:path';
import type { JobResultsResponse, PipelineResult } from '@forgesyte/contracts';
import { MEDIA_DIR, startApp, waitFor, type RunningApp } from './support/app';
import { createJobsStore, STORE_KINDS, type JobsStore } from './support/jobs-db';
import { call, status, submit, untilFinished } from './support/jobs-http';
import { spawnWorker, type WorkerProcess } from './support/jobs-worker';

const CLIP = join(MEDIA_DIR, 'one-by-one-person-detection.mp4');
/** Short, so a killed worker's job is taken over quickly. */
const LEASE_S = 3;
/**
 * Each test starts worker processes and decodes the whole 139 s clip at least once per job; on a
 * loaded 2-core machine that outlasts Jest's default budget, so the tests wait as long as their own
 * waits allow (startup, then up to 180 s for a job to finish).
 */
const TEST_TIMEOUT_MS = 360_000;

/** The HTTP server takes submissions (no workers of its own); separate worker processes do the work. */
async function httpOnly(store: JobsStore): Promise<RunningApp> {
  return startApp({ ...store.env, JOBS_CONCURRENCY: 0, PIPELINES: 'yolo,yolo_track' });
}

async function expectEveryFrameOnce(url: string, id: string, frames: number): Promise<void> {
  const results = await call<JobResultsResponse>(`${url}/video/results/${id}?limit=1000`);
  expect(results.body.total).toBe(frames);
  expect(results.body.frames.map((f) => f.frame_index)).toEqual(Array.from({ length: frames }, (_, i) => i));
}

describe.each(STORE_KINDS)('worker processes on %s', (kind) => {
  let store: JobsStore | null;
  let app: RunningApp;
  const workers: WorkerProcess[] = [];
  const worker = (pipelines = 'yolo') => {
    const w = spawnWorker({ ...store!.env, JOBS_LEASE_S: LEASE_S, PIPELINES: pipelines });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    store = await createJobsStore(kind);
    if (!store) return;
    app = await httpOnly(store);
    // The list answers once the database is connected and migrated: before any worker connects.
    await waitFor(async () => ((await fetch(`${app.url}/video/jobs`)).status === 200 ? true : undefined), 30_000);
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.kill('SIGKILL');
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  it(
    'finishes a job whose worker was SIGKILLed mid-way, every frame exactly once',
    async () => {
      if (!store) return;
      const submitted = await submit(app.url, CLIP, { pipeline_id: 'yolo', fps: 1 });
      expect(submitted.status).toBe(202);
      const id = submitted.body.job_id;

      const first = worker();
      await first.waitForEvent((e) => e.event === 'job_claimed' && e.job_id === id);
      const progressed = await waitFor(async () => {
        const s = await status(app.url, id);
        return s.progress.frames_processed >= 15 ? s : undefined;
      }, 90_000);
      await first.kill('SIGKILL');
      expect(progressed.status).toBe('running');
      expect(progressed.progress.frames_processed).toBeLessThan(progressed.progress.frames_total);

      const second = worker();
      const takeover = await second.waitForEvent((e) => e.event === 'job_processing' && e.job_id === id, 90_000);
      // It resumed after the frames the killed worker had stored, rather than starting over.
      expect(takeover.resumed_from).toBeGreaterThanOrEqual(progressed.progress.frames_processed);
      expect(second.events.find((e) => e.event === 'job_claimed' && e.job_id === id)?.attempt).toBe(2);

      const done = await untilFinished(app.url, id, 180_000);
      expect(done.status).toBe('completed');
      expect(done.progress).toEqual({ frames_processed: 139, frames_total: 139, percent: 100 });
      await expectEveryFrameOnce(app.url, id, 139);
    },
    TEST_TIMEOUT_MS,
  );

  // One database is enough here: the checkpoint is the same column on both.
  if (kind === 'postgres') {
    it(
      'gives a tracking job whose worker was SIGKILLed mid-way the track ids, events and counts of an uninterrupted run',
      async () => {
        if (!store) return;
        // 139.4 s at 2 fps: 279 frames; people walk in, to the table and out, across the middle of the picture.
        const fields = {
          pipeline_id: 'yolo_track',
          fps: 2,
          lines: JSON.stringify([{ id: 'middle', from: [384, 0], to: [384, 432] }]),
          zones: JSON.stringify([
            {
              id: 'left',
              points: [
                [0, 0],
                [384, 0],
                [384, 432],
                [0, 432],
              ],
            },
          ]),
        };
        const first = worker('yolo_track');
        const whole = await submit(app.url, CLIP, fields);
        const uninterrupted = await untilFinished(app.url, whole.body.job_id, 180_000);
        expect(uninterrupted.status).toBe('completed');

        const killed = await submit(app.url, CLIP, fields);
        const id = killed.body.job_id;
        const progressed = await waitFor(async () => {
          const s = await status(app.url, id);
          return s.progress.frames_processed >= 60 ? s : undefined;
        }, 90_000);
        await first.kill('SIGKILL');
        expect(progressed.progress.frames_processed).toBeLessThan(279);
        const second = worker('yolo_track');
        const takeover = await second.waitForEvent((e) => e.event === 'job_processing' && e.job_id === id, 90_000);
        expect(takeover.resumed_from).toBeGreaterThan(0);
        const resumed = await untilFinished(app.url, id, 180_000);
        expect(resumed.status).toBe('completed');

        const tracked = async (jobId: string) => {
          const page = await call<JobResultsResponse>(`${app.url}/video/results/${jobId}?limit=1000`);
          expect(page.body.frames.map((f) => f.frame_index)).toEqual(Array.from({ length: 279 }, (_, i) => i));
          return page.body.frames.map(({ result }: { result: PipelineResult }) => ({
            ids: result.detections.map((d) => d.track_id ?? null),
            lines: result.lines,
            zones: result.zones,
            events: result.events,
          }));
        };
        const [expected, got] = await Promise.all([tracked(whole.body.job_id), tracked(id)]);
        const crossings = expected.flatMap((f) => f.events ?? []).filter((e) => e.type === 'line_crossed');
        process.stdout.write(
          `tracking job resumed after SIGKILL at ${progressed.progress.frames_processed} frames: totals ` +
            `${JSON.stringify(resumed.lines)} (uninterrupted ${JSON.stringify(uninterrupted.lines)}), ` +
            `${new Set(expected.flatMap((f) => f.ids).filter((i) => i !== null)).size} track ids, ${crossings.length} crossings\n`,
        );
        // Something was tracked and counted, so the comparison says something.
        expect(crossings.length).toBeGreaterThan(0);
        expect(got).toEqual(expected);
        expect(resumed.lines).toEqual(uninterrupted.lines);
      },
      TEST_TIMEOUT_MS,
    );
  }

  it(
    'hands a job back at SIGTERM so another worker continues at once',
    async () => {
      if (!store) return;
      // 139.4 s at 0.5 fps: the fps filter gives 70 frames.
      const submitted = await submit(app.url, CLIP, { pipeline_id: 'yolo', fps: 0.5 });
      const id = submitted.body.job_id;
      const first = worker();
      await waitFor(
        async () => ((await status(app.url, id)).progress.frames_processed >= 5 ? true : undefined),
        90_000,
      );
      await first.kill('SIGTERM');
      expect(first.events.some((e) => e.event === 'job_released' && e.job_id === id)).toBe(true);
      expect((await status(app.url, id)).status).toBe('queued');
      worker();
      const done = await untilFinished(app.url, id, 180_000);
      expect(done.progress).toEqual({ frames_processed: 70, frames_total: 70, percent: 100 });
      await expectEveryFrameOnce(app.url, id, 70);
    },
    TEST_TIMEOUT_MS,
  );

  if (kind === 'postgres') {
    it(
      'never lets two worker processes process the same job',
      async () => {
        if (!store) return;
        const a = worker();
        const b = worker();
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) {
          const res = await submit(app.url, CLIP, { pipeline_id: 'yolo', fps: 0.2 });
          ids.push(res.body.job_id);
        }
        for (const id of ids) {
          const done = await untilFinished(app.url, id, 180_000);
          expect(done.progress).toEqual({ frames_processed: 28, frames_total: 28, percent: 100 });
          await expectEveryFrameOnce(app.url, id, 28);
        }
        const claims = [...a.events, ...b.events].filter((e) => e.event === 'job_claimed');
        expect(claims.map((e) => e.job_id).sort()).toEqual([...ids].sort());
        expect(claims.every((e) => e.attempt === 1)).toBe(true);
      },
      TEST_TIMEOUT_MS,
    );
  }
});
