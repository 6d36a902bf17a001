import { join } from 'node:path';
import type { JobResultsResponse } from '@forgesyte/contracts';
import { MEDIA_DIR, startApp, waitFor, type RunningApp } from '../support/app';
import { call, status, untilFinished, submit } from '../support/jobs-http';
import { createTestDatabase, PG_ADMIN_URL, postgresAvailable, type TestDatabase } from '../support/postgres';
import { TcpProxy } from '../support/tcp-proxy';

const CLIP = join(MEDIA_DIR, 'one-by-one-person-detection.mp4');
const FRAMES = 70; // at 0.5 fps

/**
 * The database goes away mid-job and comes back. The machine's PostgreSQL is shared, so it is never restarted: the
 * server reaches it through a TCP proxy the test cuts (every connection reset, new ones refused) and restores.
 */
describe('PostgreSQL lost mid-job, then back', () => {
  let db: TestDatabase | null = null;
  let proxy: TcpProxy;
  let app: RunningApp;

  beforeAll(async () => {
    if (!(await postgresAvailable())) {
      if (process.env.TEST_REQUIRE_POSTGRES)
        throw new Error('TEST_REQUIRE_POSTGRES is set but PostgreSQL is not reachable');
      return;
    }
    db = await createTestDatabase('forgesyte_outage');
    const admin = new URL(PG_ADMIN_URL);
    proxy = await TcpProxy.start({ host: admin.hostname, port: Number(admin.port || 5432) });
    const url = new URL(db.url);
    url.host = `127.0.0.1:${proxy.port}`;
    app = await startApp({ PIPELINES: 'yolo', JOBS_CONCURRENCY: 1, JOBS_LEASE_S: 3, DATABASE_URL: url.toString() });
    await waitFor(async () => ((await fetch(`${app.url}/health/ready`)).status === 200 ? true : undefined), 60_000);
  });
  afterAll(async () => {
    await app?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('readiness reports the outage and recovers; the job completes with no frame lost or duplicated', async () => {
    if (!db) return;
    const submitted = await submit(app.url, CLIP, { pipeline_id: 'yolo', fps: 0.5 });
    const id = submitted.body.job_id;
    await waitFor(async () => ((await status(app.url, id)).progress.frames_processed >= 5 ? true : undefined), 120_000);

    await proxy.cut();
    const down = await waitFor(async () => {
      const res = await call<{ status: string; error?: Record<string, { message?: string }> }>(
        `${app.url}/health/ready`,
      );
      return res.status === 503 ? res.body : undefined;
    }, 30_000);
    expect(down.error?.database).toBeDefined();
    // Requests that need the database fail in the contract's shape, not with a hang or a crash.
    const during = await call<{ error: string }>(`${app.url}/video/status/${id}`);
    expect([during.status, during.body.error]).toEqual([503, 'service_unavailable']);
    await new Promise((r) => setTimeout(r, 4000)); // longer than the job's lease

    await proxy.restore();
    await waitFor(async () => ((await fetch(`${app.url}/health/ready`)).status === 200 ? true : undefined), 60_000);
    const done = await untilFinished(app.url, id, 240_000);
    expect(done.status).toBe('completed');
    expect(done.progress).toEqual({ frames_processed: FRAMES, frames_total: FRAMES, percent: 100 });
    const results = await call<JobResultsResponse>(`${app.url}/video/results/${id}?limit=1000`);
    expect(results.body.frames.map((f) => f.frame_index)).toEqual([...Array(FRAMES).keys()]);
  });
});
