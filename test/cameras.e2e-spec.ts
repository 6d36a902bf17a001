import type { CameraListResponse, CameraView, ErrorBody } from '@forgesyte/contracts';
import { STREAM_CLOSE_CODES } from '@forgesyte/contracts';
import { startApp, untilReady, type RunningApp } from './support/app';
import { createCamera, getCamera, openViewer, patchCamera } from './support/cameras';
import { call } from './support/jobs-http';

/** The REST contract of /cameras on SQLite; pulling is left off (CAMERAS_ENABLED=false). */
describe('cameras API', () => {
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp({
      PIPELINES: 'yolo',
      CAMERAS_ENABLED: 'false',
      CAMERAS_URL_ALLOW: '127.0.0.1,cam.example,10.0.0.0/8',
    });
    // The routes answer 503 until the database is migrated: start once the server says it is ready.
    await untilReady(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('creates, lists, edits and deletes a camera, never showing its credentials', async () => {
    const created = await createCamera(app.url, {
      name: 'Gate',
      url: 'rtsp://admin:s3cret@10.0.0.5:554/stream1',
      pipeline_id: 'yolo',
      fps: 2,
    });
    expect(created.status).toBe(201);
    const camera = created.body;
    expect(camera).toMatchObject({
      name: 'Gate',
      url: 'rtsp://admin:***@10.0.0.5:554/stream1',
      pipeline_id: 'yolo',
      fps: 2,
      enabled: true,
      status: 'waiting',
      frames_processed: 0,
      reconnects: 0,
      last_error: null,
      last_frame_at: null,
      owner: null,
    });

    const list = await call<CameraListResponse>(`${app.url}/cameras`);
    expect(list.body.cameras.map((c) => c.id)).toContain(camera.id);
    expect(JSON.stringify(list.body)).not.toContain('s3cret');

    // The masked URL sent back keeps the password; the fps changes.
    const edited = await patchCamera(app.url, camera.id, { url: camera.url, fps: 4, name: 'Front gate' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ fps: 4, name: 'Front gate', url: 'rtsp://admin:***@10.0.0.5:554/stream1' });
    const renamedUser = await patchCamera(app.url, camera.id, { url: 'rtsp://viewer:other@10.0.0.5:554/stream1' });
    expect(renamedUser.body.url).toBe('rtsp://viewer:***@10.0.0.5:554/stream1');

    const disabled = await patchCamera(app.url, camera.id, { enabled: false });
    expect(disabled.body).toMatchObject({ enabled: false, status: 'stopped' });

    expect((await call(`${app.url}/cameras/${camera.id}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await call<ErrorBody>(`${app.url}/cameras/${camera.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toBe('camera_not_found');
  });

  it.each([
    [{ name: 'x', url: '/etc/passwd', pipeline_id: 'yolo' }, 'local files are refused'],
    [{ name: 'x', url: 'file:///tmp/a.mp4', pipeline_id: 'yolo' }, 'local files are refused'],
    [{ name: 'x', url: 'concat:a|b', pipeline_id: 'yolo' }, 'must be a network source'],
    [{ name: 'x', url: 'rtsp://192.168.1.1/x', pipeline_id: 'yolo' }, 'not in CAMERAS_URL_ALLOW'],
    [{ name: 'x', url: 'rtsp://cam.example/x', pipeline_id: 'yolo', fps: 0 }, 'fps must not be less than 0.1'],
    [{ url: 'rtsp://cam.example/x', pipeline_id: 'yolo' }, 'name'],
    [{ name: 'x', url: 'rtsp://cam.example/x', pipeline_id: 'yolo', extra: 1 }, 'property extra should not exist'],
  ])('refuses %j with validation_failed naming the rule', async (body, rule) => {
    const answer = await createCamera(app.url, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('validation_failed');
    expect(answer.body.detail).toContain(rule);
  });

  it('refuses an unknown pipeline', async () => {
    const answer = await createCamera(app.url, { name: 'x', url: 'rtsp://cam.example/x', pipeline_id: 'nope' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_pipeline');
  });

  it('answers camera_not_found for unknown ids, and no_frame_yet before the first frame', async () => {
    for (const [method, path] of [
      ['GET', '/cameras/00000000-0000-4000-8000-000000000000'],
      ['PATCH', '/cameras/00000000-0000-4000-8000-000000000000'],
      ['DELETE', '/cameras/00000000-0000-4000-8000-000000000000'],
      ['GET', '/cameras/not-a-uuid'],
      ['GET', '/cameras/00000000-0000-4000-8000-000000000000/snapshot'],
    ]) {
      const answer = await call<ErrorBody>(`${app.url}${path}`, {
        method,
        headers: { 'Content-Type': 'application/json' },
        ...(method === 'PATCH' ? { body: '{}' } : {}),
      });
      expect([method, path, answer.status, answer.body.error]).toEqual([method, path, 404, 'camera_not_found']);
    }
    const camera = (await createCamera(app.url, { name: 'x', url: 'rtsp://cam.example/x', pipeline_id: 'yolo' })).body;
    const snapshot = await call<ErrorBody>(`${app.url}/cameras/${camera.id}/snapshot`);
    expect(snapshot.status).toBe(404);
    expect(snapshot.body.error).toBe('no_frame_yet');
  });

  it('closes a viewer of an unknown camera with camera_not_found and 4404', async () => {
    const viewer = await openViewer(app.wsUrl, '00000000-0000-4000-8000-000000000000');
    const closed = await viewer.closed;
    expect(closed.code).toBe(STREAM_CLOSE_CODES.camera_not_found);
    expect(viewer.errors.map((e) => e.error)).toEqual(['camera_not_found']);
  });

  it('greets a viewer with the camera status', async () => {
    const camera: CameraView = (
      await createCamera(app.url, { name: 'y', url: 'rtsp://cam.example/y', pipeline_id: 'yolo', enabled: false })
    ).body;
    const viewer = await openViewer(app.wsUrl, camera.id);
    await viewer.until((v) => v.statuses.length > 0);
    expect(viewer.statuses[0]).toEqual({ event: 'camera_status', status: 'stopped' });
    viewer.ws.close();
    expect((await getCamera(app.url, camera.id)).status).toBe('stopped');
  });
});
