import type { CameraView } from '@forgesyte/contracts';
import { CamerasSupervisor } from '@forgesyte/server/cameras/cameras.supervisor';
import { startApp, untilReady, waitFor, type RunningApp } from './support/app';
import { createCamera, openViewer, patchCamera, untilCamera } from './support/cameras';
import { call } from './support/jobs-http';
import { rtspServerAvailable, startRtspServer, type RtspServer } from './support/rtsp';

if (!rtspServerAvailable()) {
  throw new Error('the GStreamer RTSP server is missing: see .ci/run for the Debian packages');
}

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One server pulling from a real RTSP server (GStreamer) on loopback. */
describe('cameras pulled from a real RTSP source', () => {
  let app: RunningApp;
  let rtsp: RtspServer;
  let guarded: RtspServer;
  const cameras: string[] = [];

  const add = async (body: Record<string, unknown>): Promise<CameraView> => {
    const answer = await createCamera(app.url, { name: 'test', pipeline_id: 'yolo', fps: 2, ...body });
    expect(answer.status).toBe(201);
    cameras.push(answer.body.id);
    return answer.body;
  };

  beforeAll(async () => {
    [rtsp, guarded] = await Promise.all([startRtspServer(), startRtspServer('admin:s3cret')]);
    app = await startApp({
      PIPELINES: 'yolo',
      CAMERAS_LEASE_S: 3,
      CAMERAS_STALL_S: 4,
      CAMERAS_BACKOFF_MAX_S: 2,
    });
    // The routes answer 503 until the database is migrated: start once the server says it is ready.
    await untilReady(app);
  });
  afterEach(async () => {
    for (const id of cameras.splice(0)) await call(`${app.url}/cameras/${id}`, { method: 'DELETE' });
  });
  afterAll(async () => {
    await app?.close();
    await rtsp?.kill();
    await guarded?.kill();
  });

  it('streams results with the frame before each, survives the source dying, and stops ffmpeg on delete', async () => {
    const camera = await add({ url: rtsp.url() });
    const viewer = await openViewer(app.wsUrl, camera.id, true);
    await viewer.until((v) => v.results.length >= 3, 90_000);
    // Each result follows its own JPEG.
    const firstResult = viewer.order.indexOf('result');
    expect(viewer.order.slice(firstResult - 1, firstResult + 1)).toEqual(['jpeg', 'result']);
    expect(viewer.jpegs[0]?.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const first = viewer.results[0];
    if (first === undefined) throw new Error('no result');
    expect(first.camera_id).toBe(camera.id);
    expect(first.result.image).toEqual({ width: 768, height: 432 });
    expect(Math.abs(first.timestamp_ms - Date.now())).toBeLessThan(60_000);
    expect(viewer.results.slice(0, 3).map((r) => r.frame_index)).toEqual([0, 1, 2]);
    expect(viewer.statuses.map((s) => s.status)).toContain('streaming');

    const streaming = await untilCamera(app.url, camera.id, (c) => c.status === 'streaming' && c.frames_processed > 0);
    expect(streaming.owner).toBe(app.app.get(CamerasSupervisor).owner);
    expect(streaming.last_frame_at).not.toBeNull();

    const snapshot = await fetch(`${app.url}/cameras/${camera.id}/snapshot`);
    expect(snapshot.status).toBe(200);
    expect(snapshot.headers.get('content-type')).toBe('image/jpeg');
    expect(Number(snapshot.headers.get('x-frame-index'))).toBeGreaterThanOrEqual(0);
    expect(Number(snapshot.headers.get('x-timestamp-ms'))).toBeGreaterThan(0);

    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`forgesyte_camera_frames_total\\{camera="${camera.id}"\\} [1-9]`));
    expect(metrics).toMatch(new RegExp(`forgesyte_camera_up\\{camera="${camera.id}"\\} 1`));

    // The camera loses power, then comes back: reconnecting, then streaming again, same process.
    await rtsp.kill();
    const down = await untilCamera(app.url, camera.id, (c) => c.status === 'reconnecting');
    expect(down.last_error).toBeTruthy();
    await viewer.until((v) => v.statuses.some((s) => s.status === 'reconnecting'));
    const before = viewer.results.length;
    await rtsp.restart();
    const back = await untilCamera(app.url, camera.id, (c) => c.status === 'streaming' && c.reconnects >= 1, 90_000);
    expect(back.last_error).toBeNull();
    await viewer.until((v) => v.results.length > before + 1, 90_000);
    // The restart was announced (`starting`) and frame_index began again at 0.
    const restarted = viewer.order.lastIndexOf('status');
    expect(viewer.results[before]?.frame_index).toBe(0);
    expect(restarted).toBeGreaterThan(0);

    const pid = app.app.get(CamerasSupervisor).runner(camera.id)?.pid;
    expect(alive(pid)).toBe(true);
    expect((await call(`${app.url}/cameras/${camera.id}`, { method: 'DELETE' })).status).toBe(204);
    cameras.splice(cameras.indexOf(camera.id), 1);
    await waitFor(async () => Promise.resolve(alive(pid) ? undefined : true), 5000, 20);
    await viewer.until((v) => v.statuses.some((s) => s.status === 'stopped' && s.detail === 'deleted'));
    viewer.ws.close();
  });

  it('restarts a stalled source', async () => {
    const camera = await add({ url: rtsp.url('cam2') });
    await untilCamera(app.url, camera.id, (c) => c.status === 'streaming', 90_000);
    // The server stops answering without closing the connection.
    rtsp.child.kill('SIGSTOP');
    try {
      const stalled = await untilCamera(app.url, camera.id, (c) => (c.last_error ?? '').startsWith('stalled'), 60_000);
      expect(stalled.last_error).toBe('stalled: no frame for 4 s');
    } finally {
      rtsp.child.kill('SIGCONT');
    }
    await untilCamera(app.url, camera.id, (c) => c.status === 'streaming', 90_000);
  });

  it('shows failed with the reason for a wrong URL, and keeps credentials out of every answer', async () => {
    const unauthorized = await add({ url: guarded.url('cam', 'admin:wrong') });
    const missing = await add({ url: rtsp.url('nothing-here') });
    const unknown = await add({ url: 'rtsp://no-such-camera.invalid/stream' });
    const good = await add({ url: guarded.url('cam', 'admin:s3cret') });
    await untilCamera(app.url, unauthorized.id, (c) => c.status === 'failed' && c.last_error === '401 Unauthorized');
    await untilCamera(app.url, missing.id, (c) => c.status === 'failed' && c.last_error === '404 Not Found');
    await untilCamera(app.url, unknown.id, (c) => c.status === 'failed' && c.last_error === 'unknown host');
    const streaming = await untilCamera(app.url, good.id, (c) => c.status === 'streaming', 90_000);
    expect(streaming.url).toBe(`rtsp://admin:***@127.0.0.1:${guarded.port}/cam`);

    // Still retried while enabled: the reconnect count grows.
    const retried = await untilCamera(app.url, unauthorized.id, (c) => c.reconnects >= 2, 30_000);
    expect(retried.status).toBe('failed');

    const everything = [
      await (await fetch(`${app.url}/cameras`)).text(),
      await (await fetch(`${app.url}/metrics`)).text(),
    ].join('\n');
    expect(everything).not.toContain('s3cret');
    expect(everything).not.toContain('wrong');

    // Disabling stops ffmpeg at once and says stopped.
    const pid = app.app.get(CamerasSupervisor).runner(good.id)?.pid;
    expect(alive(pid)).toBe(true);
    const disabled = await patchCamera(app.url, good.id, { enabled: false });
    expect(disabled.body.status).toBe('stopped');
    expect(alive(pid)).toBe(false);
  });
});
