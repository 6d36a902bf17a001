import type { ApiError } from '../common/http-error';
import { FakeClock, FakeTrackingPipeline } from '../jobs/testing/jobs-fakes';
import type { PipelineService } from '../pipeline/pipeline.service';
import { MemoryCameraBus } from './camera-bus';
import type { CameraEntity } from './camera.entity';
import { CameraUrlPolicy } from './camera-url';
import type { CreateCameraDto } from './cameras.dto';
import { newCameraRow, type CameraChanges, type CamerasRepository, type NewCamera } from './cameras.repository';
import { CamerasService } from './cameras.service';
import type { CamerasSupervisor } from './cameras.supervisor';

/** The rows in memory, with the repository's rule that any edit but the name ends the lease. */
class FakeRepository {
  readonly rows = new Map<string, CameraEntity>();

  insert(camera: NewCamera): Promise<CameraEntity> {
    const row = newCameraRow(camera);
    this.rows.set(row.id, row);
    return Promise.resolve({ ...row });
  }

  find(id: string): Promise<CameraEntity | null> {
    const row = this.rows.get(id);
    return Promise.resolve(row ? { ...row } : null);
  }

  update(id: string, changes: CameraChanges): Promise<CameraEntity | null> {
    const row = this.rows.get(id);
    if (!row) return Promise.resolve(null);
    Object.assign(row, changes);
    if (Object.keys(changes).some((k) => k !== 'name')) Object.assign(row, { leaseOwner: null, leaseExpiresAt: null });
    return Promise.resolve({ ...row });
  }
}

const DOOR = { id: 'door', from: [200, 0], to: [200, 1000] };
const BAY = {
  id: 'bay',
  points: [
    [0, 0],
    [100, 0],
    [100, 100],
  ],
};
const STATE = JSON.stringify({ lines: [{ id: 'door', in: 3, out: 4 }] });

function setup() {
  const repository = new FakeRepository();
  const drops: string[] = [];
  const supervisor = { drop: (id: string) => Promise.resolve(void drops.push(id)), wake: () => undefined };
  const service = new CamerasService(
    repository as unknown as CamerasRepository,
    new FakeTrackingPipeline() as unknown as PipelineService,
    new CameraUrlPolicy(false, []),
    supervisor as unknown as CamerasSupervisor,
    new MemoryCameraBus(),
    new FakeClock(),
  );
  const create = (body: Partial<CreateCameraDto>) =>
    service.create({ name: 'Door', url: 'rtsp://10.0.0.5/live', pipeline_id: 'track', ...body });
  const patch = (id: string, body: Record<string, unknown>) => service.update(id, body);
  return { service, repository, drops, create, patch };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; detail: string }> {
  const error = (await promise.then(
    () => null,
    (e: unknown) => e,
  )) as ApiError | null;
  if (!error) throw new Error('expected a refusal');
  const body = error.getResponse() as { error: string; detail: string };
  return { code: body.error, detail: body.detail };
}

describe('CamerasService lines and zones', () => {
  it('stores them on POST and shows them with zero counts', async () => {
    const t = setup();
    const view = await t.create({ lines: [DOOR], zones: [BAY] } as Partial<CreateCameraDto>);
    expect(view).toMatchObject({ lines: [DOOR], zones: [BAY], line_counts: [{ id: 'door', in: 0, out: 0 }] });
    expect(JSON.parse(t.repository.rows.get(view.id)!.sceneGeometry!)).toEqual({ lines: [DOOR], zones: [BAY] });
  });

  it('answers none without them, and no line_counts', async () => {
    const t = setup();
    const view = await t.create({ pipeline_id: 'yolo' });
    expect(view.lines).toEqual([]);
    expect(view.zones).toEqual([]);
    expect(view).not.toHaveProperty('line_counts');
    expect(t.repository.rows.get(view.id)!.sceneGeometry).toBeNull();
  });

  it.each([
    ['bad geometry', { lines: [{ id: 'door', from: [1, 1], to: [1, 1] }] }, 'from and to are the same point'],
    ['duplicate ids', { lines: [DOOR, DOOR] }, 'id door is used twice'],
    ['a pipeline that does not track', { pipeline_id: 'yolo', zones: [BAY] }, 'does not track'],
    ['not an array', { lines: { id: 'door' } }, 'must be a JSON array'],
  ])('refuses %s on POST with invalid_geometry', async (_name, body, detail) => {
    const t = setup();
    const answer = await refusal(t.create(body as Partial<CreateCameraDto>));
    expect(answer.code).toBe('invalid_geometry');
    expect(answer.detail).toContain(detail);
    expect(t.repository.rows.size).toBe(0);
  });

  it('refuses bad lines on PATCH and leaves the camera as it was', async () => {
    const t = setup();
    const { id } = await t.create({ lines: [DOOR] } as Partial<CreateCameraDto>);
    const answer = await refusal(t.patch(id, { lines: [DOOR, DOOR] }));
    expect(answer.code).toBe('invalid_geometry');
    expect((await t.service.get(id)).lines).toEqual([DOOR]);
    expect(t.drops).toEqual([]);
  });

  it('refuses to move a camera with lines to a pipeline that does not track, unless they go too', async () => {
    const t = setup();
    const { id } = await t.create({ lines: [DOOR] } as Partial<CreateCameraDto>);
    const answer = await refusal(t.patch(id, { pipeline_id: 'yolo' }));
    expect(answer).toEqual({ code: 'invalid_geometry', detail: expect.stringContaining('does not track') as string });
    const moved = await t.patch(id, { pipeline_id: 'yolo', lines: [] });
    expect(moved).toMatchObject({ pipeline_id: 'yolo', lines: [], zones: [] });
    expect(t.repository.rows.get(id)!.sceneGeometry).toBeNull();
  });

  it('restarts the counts when the lines change, and keeps them for any other edit', async () => {
    const t = setup();
    const { id } = await t.create({ lines: [DOOR] } as Partial<CreateCameraDto>);
    t.repository.rows.get(id)!.sceneState = STATE;
    expect((await t.service.get(id)).line_counts).toEqual([{ id: 'door', in: 3, out: 4 }]);

    // Other fields, and the same lines sent back: counts kept (the camera restarts for the fps).
    const edited = await t.patch(id, { fps: 2, name: 'Front door', lines: [DOOR] });
    expect(edited.line_counts).toEqual([{ id: 'door', in: 3, out: 4 }]);
    await t.patch(id, { enabled: false });
    await t.patch(id, { enabled: true });
    expect(t.repository.rows.get(id)!.sceneState).toBe(STATE);
    expect(t.drops).toEqual([id, id, id]);

    // Adding a zone changes the scene: counts start again, and the holder is stopped first.
    const zoned = await t.patch(id, { zones: [BAY] });
    expect(zoned).toMatchObject({ lines: [DOOR], zones: [BAY], line_counts: [{ id: 'door', in: 0, out: 0 }] });
    expect(t.repository.rows.get(id)!.sceneState).toBeNull();
    expect(t.drops).toHaveLength(4);
  });

  it('does not restart the camera for a new name only', async () => {
    const t = setup();
    const { id } = await t.create({ lines: [DOOR] } as Partial<CreateCameraDto>);
    await t.patch(id, { name: 'Back door' });
    expect(t.drops).toEqual([]);
  });
});
