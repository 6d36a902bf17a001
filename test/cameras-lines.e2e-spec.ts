import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import type { LineCount } from '@forgesyte/contracts';
import { REPO_ROOT, startApp, untilReady, type RunningApp } from './support/app';
import { createCamera, openViewer, patchCamera, untilCamera, type Viewer } from './support/cameras';
import { freePort } from './support/free-port';
import { call } from './support/jobs-http';
import { spawnWorker, type WorkerProcess } from './support/jobs-worker';
import { createTestDatabase, type TestDatabase } from './support/postgres';
import { rtspServerAvailable, startRtspServer, type RtspServer } from './support/rtsp';
import { type BAY, buildClip, CLIP, DOOR } from './support/synthetic-clip';

if (!rtspServerAvailable()) {
  throw new Error('the GStreamer RTSP server is missing: see .ci/run for the Debian packages');
}

/**
 * Frames of the first and last picture around the walk. A new connection ends the camera's tracks, and ffmpeg's
 * probing at a connection's start takes the first second or two, which reach the pipeline in a burst (most dropped):
 * 4 s of standing still let the tracks confirm before the walk. The walkers then stand still for 30 s, longer than
 * any step of a test takes, so a pass happens only when a holder (re)connects.
 */
const LEAD_IN = 40;
const HOLD = 300;

/**
 * The synthetic clip (walker A crosses the door `out`, walker B `in`) as an RTSP camera's loop: each pass (and each
 * new connection, which starts from the beginning) adds exactly one `out` and one `in`.
 */
function loopClip(dir: string, frames: Buffer[]): string {
  const out = join(dir, 'door-loop.mp4');
  const loop = [...Array<Buffer>(LEAD_IN).fill(frames[0]!), ...frames, ...Array<Buffer>(HOLD).fill(frames.at(-1)!)];
  execFileSync(
    ffmpegInstaller.path,
    [
      ...['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${CLIP.width}x${CLIP.height}`],
      ...['-r', String(CLIP.fps), '-i', '-', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '16', '-g', '10'],
      ...['-pix_fmt', 'yuv420p', out],
    ],
    { input: Buffer.concat(loop) },
  );
  return out;
}

const total = (lines: LineCount[] | undefined): number => (lines ?? []).reduce((n, l) => n + l.in + l.out, 0);
const lastLines = (v: Viewer): LineCount[] | undefined => v.results.at(-1)?.result.lines;

/** A tracking camera counting a door on a real RTSP source, held by one process and then another (PostgreSQL). */
describe('camera lines and zones', () => {
  let db: TestDatabase;
  let rtsp: RtspServer;
  let dir: string;
  const apps: RunningApp[] = [];
  const children: WorkerProcess[] = [];
  const databases: TestDatabase[] = [];

  const start = async (): Promise<RunningApp> => {
    const app = await startApp({
      PIPELINES: 'yolo,yolo_track',
      DATABASE_URL: db.url,
      CAMERAS_LEASE_S: 3,
      CAMERAS_BACKOFF_MAX_S: 2,
      // Two slots for the camera: at 10 fps on a loaded machine, fewer frames are dropped.
      PIPELINE_CONCURRENCY: 3,
    });
    apps.push(app);
    await untilReady(app);
    return app;
  };

  /** A camera at the clip's fps counting the door (and the bay, when asked). */
  const addDoor = (url: string, zones: (typeof BAY)[] = []) =>
    createCamera(url, {
      name: 'door',
      url: rtsp.url(),
      pipeline_id: 'yolo_track',
      fps: CLIP.fps,
      lines: [DOOR],
      zones,
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'forgesyte-camera-lines-'));
    const [database, clip] = await Promise.all([createTestDatabase('forgesyte_camera_lines'), buildClip(dir)]);
    db = database;
    rtsp = await startRtspServer(undefined, loopClip(dir, clip.frames));
  });
  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    for (const child of children) await child.kill('SIGKILL');
    await rtsp?.kill();
    await db?.drop();
    for (const database of databases) await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses lines on a pipeline that does not track, and classes the pipeline does not detect', async () => {
    const app = apps[0] ?? (await start());
    const plain = await createCamera(app.url, { name: 'x', url: rtsp.url(), pipeline_id: 'yolo', lines: [DOOR] });
    expect(plain.status).toBe(400);
    expect(plain.body.error).toBe('invalid_geometry');
    const unicorn = await createCamera(app.url, {
      name: 'x',
      url: rtsp.url(),
      pipeline_id: 'yolo_track',
      lines: [{ ...DOOR, classes: ['unicorn'] }],
    });
    expect(unicorn.status).toBe(400);
    expect(unicorn.body).toMatchObject({
      error: 'invalid_geometry',
      detail: expect.stringContaining('unicorn') as string,
    });
  });

  it('keeps the counts over disable and enable, and starts new lines from 0', async () => {
    const app = apps[0] ?? (await start());
    const created = await addDoor(app.url);
    expect(created.status).toBe(201);
    const { id } = created.body;
    const viewer = await openViewer(app.wsUrl, id);
    await viewer.until((v) => total(lastLines(v)) >= 2, 120_000);
    expect(lastLines(viewer)).toEqual([{ id: 'door', in: 1, out: 1 }]);

    // Disabled: the stop writes the scene; enabled: a new connection, a new pass on top of the stored counts.
    expect((await patchCamera(app.url, id, { enabled: false })).status).toBe(200);
    const stopped = await untilCamera(app.url, id, (c) => c.status === 'stopped');
    expect(stopped.line_counts).toEqual([{ id: 'door', in: 1, out: 1 }]);
    expect((await patchCamera(app.url, id, { enabled: true })).status).toBe(200);
    await viewer.until((v) => total(lastLines(v)) >= 4, 120_000);
    expect(lastLines(viewer)).toEqual([{ id: 'door', in: 2, out: 2 }]);

    // New lines restart the camera and count from 0.
    const gate = { ...DOOR, id: 'gate' };
    expect((await patchCamera(app.url, id, { lines: [gate] })).status).toBe(200);
    await viewer.until((v) => lastLines(v)?.[0]?.id === 'gate' && total(lastLines(v)) >= 2, 120_000);
    expect(lastLines(viewer)).toEqual([{ id: 'gate', in: 1, out: 1 }]);
    viewer.ws.close();
    expect((await call(`${app.url}/cameras/${id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('resumes the counts of the last heartbeat after its process is killed (SIGKILL)', async () => {
    // Two server processes share a database of their own.
    for (const app of apps.splice(0)) await app.close();
    const database = await createTestDatabase('forgesyte_camera_kill');
    databases.push(database);
    const server = async (): Promise<{ url: string; wsUrl: string; process: WorkerProcess }> => {
      const port = await freePort();
      const child = spawnWorker(
        {
          PORT: port,
          HOST: '127.0.0.1',
          DATA_DIR: mkdtempSync(join(dir, 'data-')),
          DATABASE_URL: database.url,
          PIPELINES: 'yolo_track',
          CAMERAS_LEASE_S: 3,
          CAMERAS_BACKOFF_MAX_S: 2,
          JOBS_CONCURRENCY: 0,
          PIPELINE_CONCURRENCY: 3,
          DASHBOARD_DIR: join(REPO_ROOT, 'dist', 'apps', 'dashboard', 'browser'),
        },
        'main.ts',
      );
      children.push(child);
      await child.waitForEvent((e) => e.event === 'cameras_supervisor_started', 120_000);
      return { url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}`, process: child };
    };

    // Both up before the camera exists, so the kill comes while the walkers stand still after the first pass.
    const servers = await Promise.all([server(), server()]);
    const created = await addDoor(servers[0].url);
    expect(created.status).toBe(201);
    const { id } = created.body;
    // The owner string is host:pid:random.
    const claimed = await untilCamera(servers[0].url, id, (c) => c.owner !== null, 60_000);
    const holder = servers.find((s) => claimed.owner?.split(':')[1] === String(s.process.child.pid))!;
    const survivor = servers.find((s) => s !== holder)!;
    const onHolder = await openViewer(holder.wsUrl, id);
    await onHolder.until((v) => total(lastLines(v)) >= 2, 120_000);
    expect(lastLines(onHolder)).toEqual([{ id: 'door', in: 1, out: 1 }]);
    // Killed once a heartbeat has stored the pass.
    await untilCamera(holder.url, id, (c) => total(c.line_counts) === 2);
    await holder.process.kill('SIGKILL');

    await untilCamera(survivor.url, id, (c) => c.owner !== null && c.owner !== claimed.owner, 60_000);
    const onSecond = await openViewer(survivor.wsUrl, id);
    await onSecond.until((v) => total(lastLines(v)) >= 4, 120_000);
    expect(onSecond.results.every((r) => total(r.result.lines) >= 2)).toBe(true);
    expect(lastLines(onSecond)).toEqual([{ id: 'door', in: 2, out: 2 }]);
    onSecond.ws.close();
  });
});
