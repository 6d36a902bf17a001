import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODELS_DIR, waitFor, untilReady } from './support/app';
import { spawnServer, type ServerProcess } from './support/process';
import { present } from './support/present';

interface LogLine {
  level: number;
  msg?: string;
  event?: string;
  request_id?: string;
  req?: { url?: string; method?: string };
  res?: { statusCode?: number };
}

/** For waitFor: resolves true once a stdout line holds `text`. */
const logged = (server: ServerProcess, text: string) => () =>
  Promise.resolve(server.stdoutLines().some((line) => line.includes(text)) ? true : undefined);

describe('logs of the running server', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'forgesyte-logs-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const base = () => ({ DATA_DIR: dataDir, MODELS_DIR, PIPELINES: 'yolo', JOBS_CONCURRENCY: '0' });

  it('writes one JSON object per line, with the request id on HTTP logs', async () => {
    const server: ServerProcess = await spawnServer({ ...base(), LOG_LEVEL: 'info' });
    try {
      // /health answers 503 until the models are loaded (in worker threads, which takes a moment): wait for that,
      // so the logged request below is a 200.
      await untilReady(server, 30_000);
      const res = await fetch(`${server.url}/health`, { headers: { 'x-request-id': 'log-test-42' } });
      expect(res.headers.get('x-request-id')).toBe('log-test-42');
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await server.stop();
    }
    const lines = server.stdoutLines();
    expect(lines.length).toBeGreaterThan(0);
    const parsed = lines.map((line) => JSON.parse(line) as LogLine);
    const request = parsed.find((line) => line.req?.url === '/health');
    expect(request).toMatchObject({ request_id: 'log-test-42', req: { method: 'GET' }, res: { statusCode: 200 } });
  });

  it('is human-readable with LOG_FORMAT=pretty', async () => {
    const server = await spawnServer({ ...base(), LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
    try {
      await fetch(`${server.url}/health/ready`);
      await waitFor(logged(server, 'server_ready'));
    } finally {
      await server.stop();
    }
    const lines = server.stdoutLines();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((line) => line.includes('/health/ready'))).toBe(true);
    expect(lines.every((line) => !line.trimStart().startsWith('{'))).toBe(true);
    // The start-up summary reads at a glance on one line.
    const ready = lines.filter((line) => line.includes('server_ready'));
    expect(ready).toHaveLength(1);
    expect(ready[0]).toContain(`ready on ${server.url}: database sqlite, pipelines yolo, auth off`);
  });

  it('says server_ready once, when the pipelines are loaded, and Node prints no warning', async () => {
    const server = await spawnServer({ ...base(), LOG_LEVEL: 'info' });
    let readyAnswered = false;
    try {
      await waitFor(logged(server, 'server_ready'));
      readyAnswered = (await fetch(`${server.url}/health/ready`)).ok;
    } finally {
      await server.stop();
    }
    expect(readyAnswered).toBe(true);
    const events = server.stdoutLines().map((line) => JSON.parse(line) as LogLine & Record<string, unknown>);
    const ready = events.filter((line) => line.event === 'server_ready');
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatchObject({
      url: server.url,
      database: 'sqlite',
      pipelines: ['yolo'],
      auth: 'off',
      node_version: process.version,
    });
    // After models_loaded: the line means the service can answer.
    expect(events.findIndex((line) => line.event === 'models_loaded')).toBeLessThan(
      events.indexOf(present(ready[0], 'the server_ready line')),
    );
    // Deprecation and experimental warnings from Node (or a dependency) go to stderr.
    expect(server.stderrText()).toBe('');
  });
});
