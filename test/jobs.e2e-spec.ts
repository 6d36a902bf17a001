import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobListResponse, JobResultsResponse, JobStatusResponse } from '@forgesyte/contracts';
import { JobsService } from '@forgesyte/server/jobs/jobs.service';
import { JobsWorker } from '@forgesyte/server/jobs/jobs.worker';
import { MEDIA_DIR, startApp, waitFor, untilReady, type RunningApp } from './support/app';
import { call, status, submit, untilFinished } from './support/jobs-http';
import { createJobsStore, STORE_KINDS, type JobsStore } from './support/jobs-db';

const CLIP = join(MEDIA_DIR, 'one-by-one-person-detection.mp4');
const JPEG = join(MEDIA_DIR, 'bus.jpg');
const UNKNOWN = '3b9c6a55-2d0e-4f7a-9a51-0c1d2e3f4a5b';

describe.each(STORE_KINDS)('video jobs over HTTP on %s', (kind) => {
  let store: JobsStore | null;
  let app: RunningApp;
  let url: string;
  let done: JobStatusResponse;
  const uploads = () => readdirSync(join(store!.dataDir, 'uploads'));

  beforeAll(async () => {
    store = await createJobsStore(kind);
    if (!store) return;
    app = await startApp({ ...store.env, JOBS_CONCURRENCY: 1, PIPELINES: 'yolo', UPLOAD_MAX_MB: 4 });
    url = app.url;
    // The database is up and migrated once the list answers.
    await waitFor(async () => ((await fetch(`${url}/video/jobs`)).status === 200 ? true : undefined), 30_000);
  });
  afterAll(async () => {
    await app?.close();
    await store?.drop();
  });

  it('processes exactly the sampled frames of the clip and finds the people in it', async () => {
    if (!store) return;
    await untilReady({ url }, 90_000);
    const submitted = await submit(url, CLIP, { pipeline_id: 'yolo', fps: 1 });
    expect(submitted.status).toBe(202);
    const id = submitted.body.job_id;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uploads()).toEqual([id]);

    const seen: number[] = [];
    done = await waitFor(async () => {
      const s = await status(url, id);
      seen.push(s.progress.frames_processed);
      return s.status === 'completed' || s.status === 'failed' ? s : undefined;
    }, 120_000);
    expect(done).toMatchObject({
      job_id: id,
      status: 'completed',
      pipeline_id: 'yolo',
      progress: { frames_processed: 139, frames_total: 139, percent: 100 },
    });
    expect(done.error).toBeUndefined();
    expect(Date.parse(done.started_at!)).toBeGreaterThanOrEqual(Date.parse(done.created_at));
    expect(Date.parse(done.finished_at!)).toBeGreaterThan(Date.parse(done.started_at!));
    expect(seen).toEqual([...seen].sort((a, b) => a - b));

    const all = await call<JobResultsResponse>(`${url}/video/results/${id}?limit=1000`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ job_id: id, status: 'completed', total: 139, offset: 0, limit: 1000 });
    expect(all.body.frames.map((f) => f.frame_index)).toEqual(Array.from({ length: 139 }, (_, i) => i));
    expect(all.body.frames.map((f) => f.timestamp_ms)).toEqual(Array.from({ length: 139 }, (_, i) => i * 1000));
    const withPerson = all.body.frames.filter((f) => f.result.detections.some((d) => d.label === 'person'));
    // The README's sampling found a person in 21 of 28 frames; people are absent between walk-ins.
    expect(withPerson.length).toBeGreaterThan(139 * 0.5);
    expect(withPerson.length).toBeLessThan(139);
    for (const frame of all.body.frames) {
      // Boxes come back in the video's own pixels, not the decoder's scaled ones.
      expect(frame.result.image).toEqual({ width: 768, height: 432 });
      for (const d of frame.result.detections) {
        expect(d.box.x1).toBeGreaterThanOrEqual(0);
        expect(d.box.x2).toBeLessThanOrEqual(768);
        expect(d.box.y2).toBeLessThanOrEqual(432);
      }
    }

    const page = await call<JobResultsResponse>(`${url}/video/results/${id}?offset=10&limit=5`);
    expect(page.body.total).toBe(139);
    expect(page.body.frames.map((f) => f.frame_index)).toEqual([10, 11, 12, 13, 14]);
    expect(page.body.frames).toEqual(all.body.frames.slice(10, 15));
  });

  it('keeps the /v1 routes with a Deprecation header naming the successor', async () => {
    if (!store) return;
    const v1 = await call<JobStatusResponse>(`${url}/v1/video/status/${done.job_id}`);
    expect(v1.status).toBe(200);
    expect(v1.body).toEqual(done);
    expect(v1.headers.get('deprecation')).toMatch(/^@\d+$/);
    expect(v1.headers.get('link')).toBe(`</video/status/${done.job_id}>; rel="successor-version"`);
    const plain = await fetch(`${url}/video/status/${done.job_id}`);
    expect(plain.headers.get('deprecation')).toBeNull();
    const missing = await call(`${url}/v1/video/status/${UNKNOWN}`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('link')).toBe(`</video/status/${UNKNOWN}>; rel="successor-version"`);
    const v1Submit = await submit(`${url}/v1`, JPEG, { pipeline_id: 'yolo' });
    expect(v1Submit.status).toBe(415);
  });

  it('serves the uploaded video back with range requests', async () => {
    if (!store) return;
    const original = readFileSync(CLIP);
    const whole = await fetch(`${url}/video/jobs/${done.job_id}/video`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await whole.arrayBuffer()).equals(original)).toBe(true);
    const part = await fetch(`${url}/video/jobs/${done.job_id}/video`, { headers: { range: 'bytes=1000-1999' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${original.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(original.subarray(1000, 2000))).toBe(true);
    const missing = await call(`${url}/video/jobs/${UNKNOWN}/video`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'job_not_found' });
  });

  it('lists jobs newest first, filtered by status', async () => {
    if (!store) return;
    const newer = await submit(url, CLIP, { pipeline_id: 'yolo', fps: 0.1 });
    expect(newer.status).toBe(202);
    const listed = await call<JobListResponse>(`${url}/video/jobs`);
    expect(listed.body.jobs.map((j) => j.job_id)).toEqual([newer.body.job_id, done.job_id]);
    const finished = await untilFinished(url, newer.body.job_id);
    expect(finished.progress).toEqual({ frames_processed: 14, frames_total: 14, percent: 100 });
    const completed = await call<JobListResponse>(`${url}/video/jobs?status=completed&limit=1`);
    expect(completed.body.jobs.map((j) => j.job_id)).toEqual([newer.body.job_id]);
    const none = await call<JobListResponse>(`${url}/video/jobs?status=failed`);
    expect(none.body.jobs).toEqual([]);
    const bad = await call(`${url}/video/jobs?status=bogus`);
    expect(bad).toMatchObject({ status: 400, body: { error: 'validation_failed' } });
  });

  it('answers every error with its status and code, and keeps no rejected upload', async () => {
    if (!store) return;
    const before = uploads().sort();
    const cases: [Promise<{ status: number; body: unknown }>, number, string][] = [
      [call(`${url}/video/status/${UNKNOWN}`), 404, 'job_not_found'],
      [call(`${url}/video/results/${UNKNOWN}`), 404, 'job_not_found'],
      [call(`${url}/video/jobs/${UNKNOWN}`, { method: 'DELETE' }), 404, 'job_not_found'],
      [call(`${url}/video/status/not-a-uuid`), 400, 'invalid_job_id'],
      [call(`${url}/video/results/12345`), 400, 'invalid_job_id'],
      [call(`${url}/video/jobs/x`, { method: 'DELETE' }), 400, 'invalid_job_id'],
      [call(`${url}/video/results/${UNKNOWN}?limit=0`), 400, 'validation_failed'],
      [submit(url, CLIP, { pipeline_id: 'nope' }), 400, 'invalid_pipeline'],
      [submit(url, CLIP, {}), 400, 'validation_failed'],
      [submit(url, CLIP, { pipeline_id: 'yolo', fps: 'abc' }), 400, 'validation_failed'],
      [submit(url, CLIP, { pipeline_id: 'yolo', fps: -1 }), 400, 'validation_failed'],
      [submit(url, null, { pipeline_id: 'yolo' }), 400, 'bad_request'],
      // The Content-Type says MP4; the bytes say JPEG.
      [submit(url, JPEG, { pipeline_id: 'yolo', name: 'bus.mp4' }), 415, 'unsupported_media_type'],
      [
        submit(url, Buffer.from('just some text\n'.repeat(500)), { pipeline_id: 'yolo' }),
        415,
        'unsupported_media_type',
      ],
      [
        submit(url, Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypisom'), Buffer.alloc(4096, 1)]), {
          pipeline_id: 'yolo',
        }),
        415,
        'unsupported_media_type',
      ],
      // UPLOAD_MAX_MB is 4 here.
      [submit(url, Buffer.alloc(5 * 1024 * 1024, 1), { pipeline_id: 'yolo' }), 413, 'payload_too_large'],
    ];
    for (const [answer, code, error] of cases) {
      const res = await answer;
      expect({ code: res.status, body: res.body }).toEqual({
        code,
        body: { error, detail: expect.any(String) as unknown },
      });
    }
    expect(uploads().sort()).toEqual(before);
  });

  it('cancels a running job, deleting its results and file; deleting a finished job removes it', async () => {
    if (!store) return;
    const submitted = await submit(url, CLIP, { pipeline_id: 'yolo' });
    const id = submitted.body.job_id;
    await waitFor(async () => ((await status(url, id)).progress.frames_processed > 0 ? true : undefined), 60_000);
    const cancelled = await call<JobStatusResponse>(`${url}/video/jobs/${id}`, { method: 'DELETE' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ job_id: id, status: 'cancelled' });
    expect(existsSync(join(store.dataDir, 'uploads', id))).toBe(false);
    // The worker stops within its next frame; nothing it was still writing survives.
    const worker = app.app.get(JobsWorker);
    await waitFor(() => Promise.resolve(worker.isRunning(id) ? undefined : true), 30_000);
    const results = await call<JobResultsResponse>(`${url}/video/results/${id}`);
    expect(results.body).toMatchObject({ status: 'cancelled', total: 0, frames: [] });
    const listed = await call<JobListResponse>(`${url}/video/jobs?status=running`);
    expect(listed.body.jobs).toEqual([]);

    const removed = await call(`${url}/video/jobs/${id}`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect((await call(`${url}/video/status/${id}`)).status).toBe(404);
  });

  it("removes an upload no job owns once it is an hour old, and never a job's own", async () => {
    if (!store) return;
    const orphan = join(store.dataDir, 'uploads', 'left-by-a-crash');
    writeFileSync(orphan, 'an upload whose job was never inserted');
    const owned = uploads().filter((name) => name !== 'left-by-a-crash');
    expect(owned.length).toBeGreaterThan(0);
    const jobs = app.app.get(JobsService);
    await jobs.sweep();
    expect(existsSync(orphan)).toBe(true);
    await jobs.sweep(Date.now() + 2 * 3_600_000);
    expect(existsSync(orphan)).toBe(false);
    expect(uploads().sort()).toEqual(owned.sort());
  });

  it('removes finished jobs past JOBS_RETENTION_HOURS with their files and results', async () => {
    if (!store) return;
    const jobs = app.app.get(JobsService);
    await expect(jobs.sweep()).resolves.toBe(0);
    expect((await call(`${url}/video/status/${done.job_id}`)).status).toBe(200);
    const removed = await jobs.sweep(Date.now() + (app.config.JOBS_RETENTION_HOURS + 1) * 3_600_000);
    expect(removed).toBe(2);
    expect((await call(`${url}/video/results/${done.job_id}`)).status).toBe(404);
    expect(uploads()).toEqual([]);
  });

  it('describes the routes in the OpenAPI document from the DTOs', async () => {
    if (!store) return;
    const doc = await call<{ paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }>(
      `${url}/api/docs-json`,
    );
    for (const path of [
      '/video/submit',
      '/video/status/{id}',
      '/video/results/{id}',
      '/video/jobs',
      '/video/jobs/{id}',
    ]) {
      expect(doc.body.paths).toHaveProperty([path]);
      expect(doc.body.paths).toHaveProperty([`/v1${path}`]);
    }
    expect(doc.body.components.schemas).toHaveProperty(['SubmitJobDto', 'required'], ['file', 'pipeline_id']);
    expect(doc.body.components.schemas).toHaveProperty('JobStatusDto');
  });
});
