import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { STREAM_PATH } from '@forgesyte/contracts';
import { MODELS_DIR } from './support/app';
import { spawnServer } from './support/process';

const KEY = `logged-never-${randomUUID()}`;
const FILE_KEY = `from-file-${randomUUID()}`;

interface LogLine {
  event?: string;
  msg?: string | { event?: string };
  req?: { url?: string };
  [key: string]: unknown;
}

function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => {
      socket.close(1000);
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    socket.once('error', (err) => {
      if (!err.message.startsWith('Unexpected server response')) reject(err);
    });
  });
}

/** Both of pino's shapes for an event: top level, or inside msg when Nest logs an object. */
function eventOf(line: LogLine): string | undefined {
  return line.event ?? (typeof line.msg === 'object' ? line.msg?.event : undefined);
}

describe('API keys in the logs of the running server', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'forgesyte-access-logs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const base = () => ({ DATA_DIR: dir, MODELS_DIR, PIPELINES: 'yolo', JOBS_CONCURRENCY: '0', LOG_LEVEL: 'debug' });

  it('never writes a key: not from headers, not from ?api_key= in a URL, not from API_KEYS_FILE', async () => {
    const keysFile = join(dir, 'keys.txt');
    writeFileSync(keysFile, `# operators\n${FILE_KEY}\n\n`);
    const server = await spawnServer({ ...base(), API_KEYS: KEY, API_KEYS_FILE: keysFile });
    const ws = server.url.replace('http', 'ws') + STREAM_PATH;
    try {
      expect((await fetch(`${server.url}/pipelines`, { headers: { Authorization: `Bearer ${KEY}` } })).status).toBe(
        200,
      );
      expect((await fetch(`${server.url}/pipelines`, { headers: { 'X-API-Key': FILE_KEY } })).status).toBe(200);
      expect((await fetch(`${server.url}/pipelines`, { headers: { Authorization: `Bearer ${KEY}x` } })).status).toBe(
        401,
      );
      const video = await fetch(`${server.url}/video/jobs/${randomUUID()}/video?api_key=${KEY}&t=1`);
      expect(video.status).toBe(404);
      expect((await fetch(`${server.url}/pipelines?api_key=${FILE_KEY}`)).status).toBe(401);
      expect(await upgradeStatus(`${ws}?pipeline_id=yolo&api_key=${KEY}`)).toBe(101);
      expect(await upgradeStatus(`${ws}?pipeline_id=yolo&api_key=${KEY}x`)).toBe(401);
      expect(await upgradeStatus(`${ws}?pipeline_id=yolo`, { Authorization: `Bearer ${FILE_KEY}` })).toBe(101);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await server.stop();
    }
    const text = server.stdoutLines().join('\n');
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(FILE_KEY);
    // The lines that would have carried the keys are there, redacted.
    const lines = server.stdoutLines().map((line) => JSON.parse(line) as LogLine);
    expect(lines.some((l) => l.req?.url?.startsWith('/video/jobs/') && l.req.url.includes('api_key=[Redacted]'))).toBe(
      true,
    );
    expect(lines.some((l) => eventOf(l) === 'api_keys_loaded')).toBe(true);
    expect(lines.some((l) => eventOf(l) === 'upgrade_refused')).toBe(true);
    expect(lines.some((l) => eventOf(l) === 'api_open')).toBe(false);
  });

  it('warns that the API is open when it listens beyond loopback without keys, and still serves', async () => {
    const open = await spawnServer({ ...base(), HOST: '0.0.0.0' });
    try {
      expect((await fetch(`${open.url}/pipelines`)).status).toBe(200);
    } finally {
      await open.stop();
    }
    const warning = open
      .stdoutLines()
      .map((line) => JSON.parse(line) as LogLine)
      .find((l) => eventOf(l) === 'api_open');
    expect(warning).toBeDefined();
    expect(JSON.stringify(warning)).toMatch(/API_KEYS/);

    const loopback = await spawnServer(base());
    await loopback.stop();
    expect(loopback.stdoutLines().some((line) => line.includes('api_open'))).toBe(false);
  });
});
