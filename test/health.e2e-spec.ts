import { createTestDatabase, postgresAvailable } from './support/postgres';
import { startApp, waitFor, type RunningApp } from './support/app';

interface HealthBody {
  status: string;
  info?: Record<string, { status: string }>;
  error?: Record<string, { status: string; message?: string }>;
}

async function getJson(url: string): Promise<{ status: number; body: HealthBody }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as HealthBody };
}

/** Ready can take a moment (database connect, model warm-up): poll until it is. */
function waitReady(app: RunningApp) {
  return waitFor(async () => {
    const res = await getJson(`${app.url}/health/ready`);
    return res.status === 200 ? res : undefined;
  }, 60000);
}

describe('health with the embedded SQLite database', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp();
  });
  afterAll(() => app.close());

  it('answers live at once', async () => {
    const res = await getJson(`${app.url}/health/live`);
    expect(res).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('is ready with the database check up, on /health/ready and /health', async () => {
    const ready = await waitReady(app);
    expect(ready.body.status).toBe('ok');
    expect(ready.body.info?.database).toEqual({ status: 'up' });
    const overall = await getJson(`${app.url}/health`);
    expect(overall.status).toBe(200);
    expect(overall.body.info?.database).toEqual({ status: 'up' });
  });

  it('puts a request id on every HTTP response', async () => {
    const res = await fetch(`${app.url}/health/live`);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await fetch(`${app.url}/health/live`, { headers: { 'x-request-id': 'trace-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-123');
  });
});

describe('health with an unreachable database', () => {
  let app: RunningApp;
  beforeAll(async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    app = await startApp({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/forgesyte' });
  });
  afterAll(() => app.close());

  it('still starts and answers live', async () => {
    expect((await getJson(`${app.url}/health/live`)).status).toBe(200);
  });

  it('answers job routes with 503 service_unavailable at once, refusing an upload before reading it', async () => {
    const list = await fetch(`${app.url}/video/jobs`);
    expect(list.status).toBe(503);
    expect(await list.json()).toEqual({ error: 'service_unavailable', detail: 'The database is not reachable yet' });
    const form = new FormData();
    form.append('pipeline_id', 'yolo');
    form.append('file', new Blob([Buffer.alloc(1024 * 1024)]), 'clip.mp4');
    const submit = await fetch(`${app.url}/video/submit`, { method: 'POST', body: form });
    expect(submit.status).toBe(503);
    expect(((await submit.json()) as { error: string }).error).toBe('service_unavailable');
  });

  it('answers 503 naming the failing database check', async () => {
    for (const path of ['/health/ready', '/health']) {
      const res = await getJson(`${app.url}${path}`);
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('error');
      expect(res.body.error?.database?.status).toBe('down');
      expect(res.body.error?.database?.message).toMatch(/ECONNREFUSED|connect/i);
    }
  });
});

describe('health with PostgreSQL', () => {
  it('is ready against a fresh database', async () => {
    if (!(await postgresAvailable())) {
      // CI provides PostgreSQL (.ci/run); a laptop without one still runs everything else.
      if (process.env.TEST_REQUIRE_POSTGRES)
        throw new Error('TEST_REQUIRE_POSTGRES is set but PostgreSQL is not reachable');
      console.warn('PostgreSQL not reachable at 127.0.0.1:5432: PostgreSQL health check not run');
      return;
    }
    const db = await createTestDatabase();
    const app = await startApp({ DATABASE_URL: db.url });
    try {
      const ready = await waitReady(app);
      expect(ready.body.info?.database).toEqual({ status: 'up' });
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
