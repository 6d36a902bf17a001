import { join } from 'node:path';
import WebSocket from 'ws';
import { classifyStreamMessage, type ClassifiedStreamMessage, type JobResultsResponse } from '@forgesyte/contracts';
import { MEDIA_DIR, MODELS_DIR, waitFor, untilReady } from '../support/app';
import { zidane } from '../support/hostile';
import { createJobsStore, STORE_KINDS, type JobsStore } from '../support/jobs-db';
import { call, status, submit, untilFinished } from '../support/jobs-http';
import { spawnServer, type ServerProcess } from '../support/process';

const CLIP = join(MEDIA_DIR, 'one-by-one-person-detection.mp4');
/** 139.4 s at 0.5 fps: the fps filter gives 70 frames. */
const FPS = 0.5;
const FRAMES = 70;
/**
 * The SIGTERM test needs its job still running when the signal comes, after a stream has been opened and answered;
 * on a loaded machine 70 frames can all be done by then, so it samples more: 139.4 s at 2 fps gives 279 frames.
 */
const LONG_JOB = { fps: 2, frames: 279 };

function serverEnv(store: JobsStore, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...store.env,
    MODELS_DIR,
    PIPELINES: 'yolo',
    JOBS_CONCURRENCY: '1',
    JOBS_LEASE_S: '3',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

async function expectEveryFrameOnce(url: string, id: string, frames = FRAMES): Promise<void> {
  const done = await untilFinished(url, id, 240_000);
  expect(done.status).toBe('completed');
  expect(done.progress).toEqual({ frames_processed: frames, frames_total: frames, percent: 100 });
  const results = await call<JobResultsResponse>(`${url}/video/results/${id}?limit=1000`);
  expect(results.body.frames.map((f) => f.frame_index)).toEqual([...Array(frames).keys()]);
}

/** The built server as a child process, once its database and models are ready. */
async function serve(env: Record<string, string>): Promise<ServerProcess> {
  const server = await spawnServer(env);
  await untilReady(server);
  return server;
}

function exited(server: ServerProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Waits until the running job has stored at least `frames` frames. */
function progressed(url: string, id: string, frames: number): Promise<void> {
  return waitFor(async () => {
    const s = await status(url, id);
    return s.status === 'running' && s.progress.frames_processed >= frames ? true : undefined;
  }, 120_000).then(() => undefined);
}

describe.each(STORE_KINDS)('the server process killed mid-job, on %s', (kind) => {
  let store: JobsStore | null;
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    store = await createJobsStore(kind);
  });
  afterAll(async () => {
    for (const s of servers) s.child.kill('SIGKILL');
    await store?.drop();
  });

  it('SIGKILL, then a restart: the job completes with every sampled frame exactly once', async () => {
    if (!store) return;
    const first = await serve(serverEnv(store));
    servers.push(first);
    const submitted = await submit(first.url, CLIP, { pipeline_id: 'yolo', fps: FPS });
    expect(submitted.status).toBe(202);
    const id = submitted.body.job_id;
    await progressed(first.url, id, 10);
    first.child.kill('SIGKILL');
    await exited(first);

    const second = await serve(serverEnv(store));
    servers.push(second);
    await expectEveryFrameOnce(second.url, id);
    await second.stop();
  });
});

describe('SIGTERM', () => {
  let store: JobsStore | null;
  beforeAll(async () => {
    store = await createJobsStore('sqlite');
  });
  afterAll(() => store?.drop());

  it('stops HTTP, finishes running frames, tells stream clients server_shutdown (1001), hands the job back, exits', async () => {
    const server = await serve(serverEnv(store!, { SHUTDOWN_TIMEOUT_S: '20' }));
    const submitted = await submit(server.url, CLIP, { pipeline_id: 'yolo', fps: LONG_JOB.fps });
    const id = submitted.body.job_id;
    await progressed(server.url, id, 3);

    // A client streaming at 10 fps, reading every answer.
    const wsUrl = `${server.url.replace('http', 'ws')}/ws/video/stream?pipeline_id=yolo`;
    const client = new WebSocket(wsUrl);
    const messages: ClassifiedStreamMessage[] = [];
    client.on('message', (d: Buffer) => {
      const message = classifyStreamMessage(d.toString());
      if (message) messages.push(message);
    });
    const closed = new Promise<number>((resolve) => client.once('close', resolve));
    await new Promise((resolve) => client.once('open', resolve));
    let sent = 0;
    const sender = setInterval(() => {
      if (client.readyState !== WebSocket.OPEN) return;
      client.send(zidane);
      sent++;
    }, 100);
    await waitFor(async () => Promise.resolve(messages.some((m) => m.kind === 'result') ? true : undefined), 60_000);

    // A second client that never acknowledges the close holds shutdown for a moment: long enough to see HTTP refused.
    const stuck = new WebSocket(wsUrl);
    stuck.on('error', () => undefined);
    await new Promise((resolve) => stuck.once('open', resolve));
    (stuck as unknown as { _socket: { pause(): void } })._socket.pause();

    const exit = exited(server);
    server.child.kill('SIGTERM');
    const code = await closed;
    clearInterval(sender);
    expect(code).toBe(1001);
    const last = messages.at(-1);
    expect(last?.kind).toBe('error');
    expect(last?.message).toEqual({ error: 'server_shutdown', detail: expect.any(String) as unknown });
    // Every frame before the error was answered (the running one finished), in order.
    const answered = messages
      .slice(0, -1)
      .flatMap((m) => (m.kind === 'slow_down' ? [] : [m.message.frame_index ?? -1]));
    expect(answered).toEqual([...Array(answered.length).keys()]);
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.length).toBeLessThanOrEqual(sent);
    if (server.child.exitCode === null) await expect(fetch(`${server.url}/health/live`)).rejects.toThrow();

    const { code: exitCode, signal } = await exit;
    expect(exitCode === 0 || signal === 'SIGTERM').toBe(true);
    const events = server.stdoutLines().flatMap((l) => {
      try {
        return [JSON.parse(l) as { event?: string; job_id?: string }];
      } catch {
        return [];
      }
    });
    expect(events.some((e) => e.event === 'job_released' && e.job_id === id)).toBe(true);

    // Handed back, not lost: a new server takes it up at once and finishes it.
    const next = await serve(serverEnv(store!));
    await expectEveryFrameOnce(next.url, id, LONG_JOB.frames);
    await next.stop();
  });
});
