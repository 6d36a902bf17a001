import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODELS_DIR, waitFor } from './support/app';
import { spawnServer, type ServerProcess } from './support/process';

interface LogLine {
  level: number;
  msg?: string;
  request_id?: string;
  req?: { url?: string; method?: string };
  res?: { statusCode?: number };
}

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
      await waitFor(async () => ((await fetch(`${server.url}/health/ready`)).ok ? true : undefined));
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
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await server.stop();
    }
    const lines = server.stdoutLines();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((line) => line.includes('/health/ready'))).toBe(true);
    expect(lines.every((line) => !line.trimStart().startsWith('{'))).toBe(true);
  });
});
