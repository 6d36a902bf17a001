import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { STREAM_CLOSE_CODES, STREAM_PATH, type ErrorBody } from '@forgesyte/contracts';
import { metricValue, startApp, waitFor, type RunningApp } from './support/app';
import { present } from './support/present';

const KEY = 'k-3f9a1c0e-access-test';
const OTHER_KEY = 'k-second-operator';

type Upgrade =
  | { kind: 'open'; socket: WebSocket; messages: string[]; closed: Promise<{ code: number; reason: string }> }
  | { kind: 'refused'; status: number; body: ErrorBody };

/** A raw ws client: the HTTP status of a refused upgrade, or the open socket. */
function upgrade(app: RunningApp, query: string, headers: Record<string, string> = {}): Promise<Upgrade> {
  const socket = new WebSocket(`${app.wsUrl}${STREAM_PATH}?pipeline_id=yolo${query}`, { headers });
  const messages: string[] = [];
  socket.on('message', (data: WebSocket.RawData) => messages.push((data as Buffer).toString('utf8')));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ kind: 'open', socket, messages, closed }));
    socket.once('unexpected-response', (_req, res: IncomingMessage) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () =>
        resolve({ kind: 'refused', status: res.statusCode ?? 0, body: JSON.parse(text) as ErrorBody }),
      );
    });
    socket.once('error', (err) => {
      if (!err.message.startsWith('Unexpected server response')) reject(err);
    });
  });
}

async function expectOpen(result: Upgrade): Promise<void> {
  if (result.kind !== 'open') throw new Error(`refused: ${result.status} ${JSON.stringify(result.body)}`);
  result.socket.close(1000);
  await result.closed;
}

function get(app: RunningApp, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.url}${path}`, { headers });
}

describe('access control with API keys and allowed origins', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({
      PIPELINES: 'yolo',
      API_KEYS: `${KEY}, ${OTHER_KEY}`,
      ALLOWED_ORIGINS: 'https://dash.example.com',
      STREAM_MAX_SESSIONS_PER_CLIENT: 2,
    });
  });
  afterAll(() => app.close());

  describe('REST', () => {
    it('answers 401 unauthorized without a key, with a wrong key, and with a key in the query', async () => {
      const attempts: Record<string, string>[] = [
        {},
        { Authorization: 'Bearer wrong' },
        { 'X-API-Key': 'wrong' },
        { Authorization: `Basic ${Buffer.from(`u:${KEY}`).toString('base64')}` },
      ];
      for (const headers of attempts) {
        const res = await get(app, '/pipelines', headers);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        const body = (await res.json()) as ErrorBody;
        expect(body.error).toBe('unauthorized');
        expect(body.detail).not.toContain(KEY);
      }
      // ?api_key= is for media URLs only
      expect((await get(app, `/pipelines?api_key=${KEY}`)).status).toBe(401);
    });

    it('accepts any configured key as a Bearer token or an X-API-Key header', async () => {
      expect((await get(app, '/pipelines', { Authorization: `Bearer ${KEY}` })).status).toBe(200);
      expect((await get(app, '/pipelines', { authorization: `bearer ${OTHER_KEY}` })).status).toBe(200);
      expect((await get(app, '/video/jobs', { 'X-API-Key': KEY })).status).toBe(200);
    });

    it('protects writes before reading the upload', async () => {
      const form = new FormData();
      form.append('pipeline_id', 'yolo');
      form.append('file', new Blob([Buffer.alloc(1024)], { type: 'video/mp4' }), 'a.mp4');
      const res = await fetch(`${app.url}/video/submit`, { method: 'POST', body: form });
      expect(res.status).toBe(401);
      const del = await fetch(`${app.url}/video/jobs/${randomUUID()}`, { method: 'DELETE' });
      expect(del.status).toBe(401);
    });

    it('accepts ?api_key= on the job video route, for <video src>', async () => {
      const id = randomUUID();
      expect((await get(app, `/video/jobs/${id}/video`)).status).toBe(401);
      expect((await get(app, `/video/jobs/${id}/video?api_key=wrong`)).status).toBe(401);
      const res = await get(app, `/video/jobs/${id}/video?api_key=${encodeURIComponent(KEY)}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorBody).error).toBe('job_not_found');
    });

    it('leaves health, metrics and the dashboard open', async () => {
      expect((await get(app, '/health/live')).status).toBe(200);
      expect([200, 503]).toContain((await get(app, '/health/ready')).status);
      expect([200, 503]).toContain((await get(app, '/health')).status);
      const metrics = await get(app, '/metrics');
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('forgesyte_build_info');
      const index = await get(app, '/');
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/text\/html/);
    });

    it('answers CORS preflights for ALLOWED_ORIGINS only', async () => {
      const preflight = (origin: string) =>
        fetch(`${app.url}/pipelines`, {
          method: 'OPTIONS',
          headers: {
            Origin: origin,
            'Access-Control-Request-Method': 'GET',
            'Access-Control-Request-Headers': 'authorization',
          },
        });
      const allowed = await preflight('https://dash.example.com');
      expect(allowed.status).toBeLessThan(300);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://dash.example.com');
      expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
      const other = await preflight('https://evil.example.net');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('WebSocket upgrade', () => {
    it('refuses a missing or wrong key with HTTP 401 before any session exists', async () => {
      for (const [query, headers] of [
        ['', {}],
        ['&api_key=wrong', {}],
        ['', { Authorization: 'Bearer wrong' }],
      ] as const) {
        const result = await upgrade(app, query, headers);
        expect(result).toMatchObject({ kind: 'refused', status: 401, body: { error: 'unauthorized' } });
      }
      expect(await metricValue(app, /^stream_sessions_active /)).toBe(0);
    });

    it('accepts the key as ?api_key= or as a header', async () => {
      await expectOpen(await upgrade(app, `&api_key=${encodeURIComponent(KEY)}`));
      await expectOpen(await upgrade(app, '', { Authorization: `Bearer ${OTHER_KEY}` }));
      await expectOpen(await upgrade(app, '', { 'X-API-Key': KEY }));
    });

    it('refuses a foreign Origin with HTTP 403 forbidden_origin, even with a valid key', async () => {
      const result = await upgrade(app, `&api_key=${KEY}`, { Origin: 'https://evil.example.net' });
      expect(result).toMatchObject({ kind: 'refused', status: 403, body: { error: 'forbidden_origin' } });
      // scheme counts: the server is plain http
      const port = new URL(app.url).port;
      const https = await upgrade(app, `&api_key=${KEY}`, { Origin: `https://127.0.0.1:${port}` });
      expect(https).toMatchObject({ kind: 'refused', status: 403 });
      // the key is judged first: a stranger learns nothing about origins
      const stranger = await upgrade(app, '', { Origin: 'https://evil.example.net' });
      expect(stranger).toMatchObject({ kind: 'refused', status: 401 });
    });

    it('accepts the same origin and a listed one', async () => {
      const port = new URL(app.url).port;
      await expectOpen(await upgrade(app, `&api_key=${KEY}`, { Origin: `http://127.0.0.1:${port}` }));
      await expectOpen(await upgrade(app, `&api_key=${KEY}`, { Origin: 'https://dash.example.com' }));
    });

    it('limits live sessions per client address with rate_limited and close 4431', async () => {
      const first = await upgrade(app, `&api_key=${KEY}`);
      const second = await upgrade(app, `&api_key=${KEY}`);
      const third = await upgrade(app, `&api_key=${KEY}`);
      if (first.kind !== 'open' || second.kind !== 'open' || third.kind !== 'open') throw new Error('not upgraded');
      const { code } = await third.closed;
      expect(code).toBe(STREAM_CLOSE_CODES.rate_limited);
      expect(JSON.parse(present(third.messages[0], 'a refusal message'))).toMatchObject({ error: 'rate_limited' });
      await waitFor(async () => ((await metricValue(app, /^stream_sessions_active /)) === 2 ? true : undefined), 5000);

      // a slot frees when a session closes
      first.socket.close(1000);
      await first.closed;
      const again = await upgrade(app, `&api_key=${KEY}`);
      if (again.kind !== 'open') throw new Error('refused after a close');
      expect(again.messages.length).toBe(0);
      again.socket.close(1000);
      second.socket.close(1000);
      await Promise.all([again.closed, second.closed]);
    });
  });
});

describe('rate limits, TRUST_PROXY and METRICS_REQUIRE_KEY', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({
      PIPELINES: 'yolo',
      API_KEYS: KEY,
      METRICS_REQUIRE_KEY: 'true',
      TRUST_PROXY: 'loopback',
      RATE_LIMIT_REQUESTS: 5,
      RATE_LIMIT_SUBMISSIONS: 2,
      STREAM_MAX_SESSIONS_PER_CLIENT: 1,
    });
  });
  afterAll(() => app.close());
  const auth = { Authorization: `Bearer ${KEY}` };

  it('asks for the key on /metrics, never on health', async () => {
    expect((await get(app, '/metrics')).status).toBe(401);
    expect((await get(app, '/metrics', { 'X-Forwarded-For': '198.51.100.9', ...auth })).status).toBe(200);
    for (let i = 0; i < 8; i++) expect((await get(app, '/health/live')).status).toBe(200);
  });

  it('answers 429 rate_limited with Retry-After once a client spends its budget, per X-Forwarded-For client', async () => {
    const client = { 'X-Forwarded-For': '203.0.113.7', ...auth };
    for (let i = 0; i < 5; i++) expect((await get(app, '/pipelines', client)).status).toBe(200);
    const limited = await get(app, '/pipelines', client);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    const body = (await limited.json()) as ErrorBody;
    expect(body).toMatchObject({ error: 'rate_limited' });
    expect(body.detail).toMatch(/at most 5 per 60 s/);
    // another client behind the same trusted proxy has its own budget
    expect((await get(app, '/pipelines', { 'X-Forwarded-For': '203.0.113.8', ...auth })).status).toBe(200);
    // probes are never limited
    expect((await get(app, '/health/live', client)).status).toBe(200);
  });

  it('limits job submissions more strictly than other calls', async () => {
    const client = { 'X-Forwarded-For': '203.0.113.20', ...auth };
    const submit = () => fetch(`${app.url}/video/submit`, { method: 'POST', headers: client, body: new FormData() });
    expect((await submit()).status).toBe(400);
    expect((await submit()).status).toBe(400);
    const limited = await submit();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await limited.json()) as ErrorBody).detail).toMatch(/job submissions/);
    expect((await get(app, '/pipelines', client)).status).toBe(200);
  });

  it('counts live sessions per forwarded client address', async () => {
    const a = await upgrade(app, `&api_key=${KEY}`, { 'X-Forwarded-For': '203.0.113.30' });
    const b = await upgrade(app, `&api_key=${KEY}`, { 'X-Forwarded-For': '203.0.113.31' });
    const a2 = await upgrade(app, `&api_key=${KEY}`, { 'X-Forwarded-For': '203.0.113.30' });
    if (a.kind !== 'open' || b.kind !== 'open' || a2.kind !== 'open') throw new Error('not upgraded');
    expect((await a2.closed).code).toBe(STREAM_CLOSE_CODES.rate_limited);
    expect(b.messages).toEqual([]);
    a.socket.close(1000);
    b.socket.close(1000);
    await Promise.all([a.closed, b.closed]);
  });
});

describe('without TRUST_PROXY', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ PIPELINES: 'yolo', RATE_LIMIT_REQUESTS: 3 });
  });
  afterAll(() => app.close());

  it('ignores X-Forwarded-For: a client cannot escape its limit by forging it', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await get(app, '/pipelines', { 'X-Forwarded-For': `192.0.2.${i}` })).status).toBe(200);
    }
    expect((await get(app, '/pipelines', { 'X-Forwarded-For': '192.0.2.99' })).status).toBe(429);
  });

  it('needs no key when none is configured', async () => {
    expect((await get(app, '/metrics')).status).toBe(200);
    await expectOpen(await upgrade(app, ''));
  });
});
