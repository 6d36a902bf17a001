import type { PipelineResult } from '@forgesyte/contracts';
import type { LineCount } from '@forgesyte/contracts';
import { FakeTrackingPipeline } from '../jobs/testing/jobs-fakes';
import type { PipelineService } from '../pipeline/pipeline.service';
import { MemoryCameraBus, type CameraBusEvent } from './camera-bus';
import type { CameraEntity } from './camera.entity';
import { CameraRunner } from './camera-runner';
import { CameraSourceProvider, type RunningSource, type SourceCallbacks } from './camera-source';
import { CameraUrlPolicy } from './camera-url';
import type { CamerasMetrics } from './cameras.metrics';
import type { SourceFailure } from './source-errors';

const SIZE = { width: 4, height: 2 };
const FRAME = Buffer.alloc(SIZE.width * SIZE.height * 3, 128);
const RESULT: PipelineResult = {
  image: { width: 8, height: 4 },
  detections: [],
  texts: [],
  timings_ms: { decode: 0, inference: 1, postprocess: 0, total: 1 },
};

/** A source the test drives: open it, push frames, end it. */
class FakeSources extends CameraSourceProvider {
  opened: { url: string; callbacks: SourceCallbacks; stopped: boolean }[] = [];

  open(source: { url: string }, _fps: number, _box: unknown, callbacks: SourceCallbacks): RunningSource {
    const entry = { url: source.url, callbacks, stopped: false };
    this.opened.push(entry);
    return {
      pid: 4242,
      stop: () => {
        if (entry.stopped) return;
        entry.stopped = true;
        setImmediate(() => callbacks.onExit({ kind: 'reconnecting', reason: 'ffmpeg was stopped' }));
      },
    };
  }

  last() {
    const entry = this.opened.at(-1);
    if (!entry) throw new Error('no source opened');
    return {
      ...entry,
      start: () => entry.callbacks.onOpen({ frame: SIZE, original: { width: 8, height: 4 } }),
      /** `step` is the frame's first byte: where FakeTrackingPipeline's walker is. */
      frame: (step?: number) => {
        const data = Buffer.from(FRAME);
        if (step !== undefined) data[0] = step;
        entry.callbacks.onFrame(data);
      },
      exit: (failure: SourceFailure) => entry.callbacks.onExit(failure),
    };
  }
}

const until = async (check: () => boolean, ms = 5000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 5));
  }
};

function camera(url: string): CameraEntity {
  return {
    id: '11111111-1111-4111-8111-111111111111',
    name: 'test',
    url,
    pipelineId: 'yolo',
    fps: 5,
    enabled: true,
    status: 'starting',
    lastFrameAt: null,
    framesProcessed: 0,
    reconnects: 0,
    lastError: null,
    leaseOwner: 'me',
    leaseExpiresAt: null,
    createdAt: 0,
    sceneGeometry: null,
    sceneState: null,
  };
}

// Frames 100 ms apart on the capture clock, as from a 10 fps camera; one clock for the whole file, as for a camera
// that a later runner takes over.
let clock = 1_700_000_000_000;

function setup(
  url = 'rtsp://admin:s3cret@10.0.0.9:554/live',
  timing = { stallMs: 60_000, backoffMaxMs: 200 },
  scene?: { geometry: string; state: string | null },
) {
  const sources = new FakeSources();
  const bus = new MemoryCameraBus();
  const events: CameraBusEvent[] = [];
  const logs: unknown[] = [];
  const tracking = new FakeTrackingPipeline();
  const pipeline = (scene
    ? {
        inputSize: () => ({ width: 416, height: 416 }),
        tracks: (id: string) => id === 'track',
        createScene: tracking.createScene.bind(tracking),
        runOnRaw: jest.fn(tracking.runOnRaw.bind(tracking)),
      }
    : {
        inputSize: () => ({ width: 416, height: 416 }),
        tracks: () => false,
        createScene: () => null,
        runOnRaw: jest.fn(() => Promise.resolve(RESULT)),
      }) as unknown as PipelineService;
  const metrics = { setUp: jest.fn(), frame: jest.fn(), reconnect: jest.fn(), forget: jest.fn() };
  const logger = {
    log: (m: unknown) => logs.push(m),
    warn: (m: unknown) => logs.push(m),
    error: (m: unknown) => logs.push(m),
  };
  const cam = camera(url);
  if (scene) Object.assign(cam, { pipelineId: 'track', sceneGeometry: scene.geometry, sceneState: scene.state });
  bus.subscribe(cam.id, (e) => events.push(e));
  const runner = new CameraRunner(cam, {
    sources,
    pipeline,
    bus,
    metrics: metrics as unknown as CamerasMetrics,
    policy: new CameraUrlPolicy(false, []),
    logger,
    ...timing,
    backoffBaseMs: 20,
    now: () => (clock += 100),
  });
  const statuses = () => events.filter((e) => e.kind === 'status').map((e) => e.message.status);
  const results = () => events.flatMap((e) => (e.kind === 'result' ? [e.message] : []));
  return { runner, sources, events, logs, statuses, results, pipeline };
}

describe('CameraRunner', () => {
  it('announces starting, streams results with their JPEG, and restarts frame_index after a reconnect', async () => {
    const t = setup();
    await until(() => t.sources.opened.length === 1);
    expect(t.sources.last().url).toBe('rtsp://admin:s3cret@10.0.0.9:554/live');
    t.sources.last().start();
    t.sources.last().frame();
    await until(() => t.results().length === 1);
    t.sources.last().frame();
    await until(() => t.results().length === 2);
    expect(t.results().map((r) => r.frame_index)).toEqual([0, 1]);
    const first = t.events.find((e) => e.kind === 'result');
    expect(first?.kind === 'result' && first.jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(t.pipeline.runOnRaw).toHaveBeenCalledWith(
      'yolo',
      expect.any(Number),
      expect.objectContaining(SIZE),
      expect.objectContaining({ priority: 'camera', key: t.runner.id, originalSize: { width: 8, height: 4 } }),
    );
    expect(t.runner.progress()).toMatchObject({ status: 'streaming', framesProcessed: 2, lastError: null });

    t.sources.last().exit({ kind: 'reconnecting', reason: 'Connection refused' });
    await until(() => t.sources.opened.length === 2);
    expect(t.runner.progress()).toMatchObject({ reconnects: 1, lastError: 'Connection refused' });
    t.sources.last().start();
    t.sources.last().frame();
    await until(() => t.results().length === 3);
    expect(t.results()[2]?.frame_index).toBe(0);
    expect(t.statuses()).toEqual(['starting', 'streaming', 'reconnecting', 'starting', 'streaming']);
    expect(t.logs).toContainEqual(expect.objectContaining({ event: 'camera_reconnected' }));
    await t.runner.stop();
    expect(JSON.stringify(t.logs)).not.toContain('s3cret');
  });

  it('stays failed while it retries a source that needs a person, at the longest backoff', async () => {
    const t = setup();
    await until(() => t.sources.opened.length === 1);
    const failedAt = Date.now();
    t.sources.last().exit({ kind: 'failed', reason: '401 Unauthorized' });
    await until(() => t.sources.opened.length === 2);
    expect(Date.now() - failedAt).toBeGreaterThanOrEqual(190);
    expect(t.runner.status).toBe('failed');
    t.sources.last().start();
    t.sources.last().frame();
    await until(() => t.runner.status === 'streaming');
    expect(t.statuses()).toEqual(['starting', 'failed', 'streaming']);
    await t.runner.stop();
  });

  it('restarts a source that stops sending frames', async () => {
    const t = setup(undefined, { stallMs: 150, backoffMaxMs: 200 });
    await until(() => t.sources.opened.length === 1);
    t.sources.last().start();
    t.sources.last().frame();
    await until(() => t.runner.status === 'streaming');
    await until(() => t.sources.opened.length === 2);
    expect(t.sources.opened[0]?.stopped).toBe(true);
    expect(t.runner.lastError).toBe('stalled: no frame for 0.15 s');
    expect(t.logs).toContainEqual(expect.objectContaining({ event: 'camera_stalled' }));
    await t.runner.stop();
  });

  it('calls an unknown host failed without starting ffmpeg, and stops without waiting out the backoff', async () => {
    // A backoff longer than the test's timeout: stop() must cut the wait short.
    const t = setup('rtsp://cam.invalid/live', { stallMs: 60_000, backoffMaxMs: 600_000 });
    await until(() => t.runner.status === 'failed');
    expect(t.runner.lastError).toBe('unknown host');
    expect(t.sources.opened).toHaveLength(0);
    await t.runner.stop();
    expect(t.statuses()).toEqual(['starting', 'failed']);
  });

  describe('with a counting line', () => {
    // FakeTrackingPipeline's walker goes right 15 px a frame; this door is at x = 200, so steps 0..20 cross it once.
    const geometry = JSON.stringify({ lines: [{ id: 'door', from: [200, 0], to: [200, 1000] }], zones: [] });

    /**
     * Runs the walker over steps `from` to `to` on the camera's `connection`-th source start (waiting for it to be
     * opened) and answers the last result's counts. Defaults: the whole walk over the door, on the first start.
     */
    async function walk(
      t: ReturnType<typeof setup>,
      from = 0,
      to = 20,
      connection = 1,
    ): Promise<LineCount[] | undefined> {
      await until(() => t.sources.opened.length === connection);
      t.sources.last().start();
      const before = t.results().length;
      for (let step = from; step <= to; step++) {
        t.sources.last().frame(step);
        await until(() => t.results().length === before + step - from + 1);
      }
      return t.results().at(-1)?.result.lines;
    }

    it('counts on the camera clock and reports the scene state for the heartbeat', async () => {
      const t = setup(undefined, undefined, { geometry, state: null });
      expect(await walk(t)).toEqual([{ id: 'door', in: 0, out: 1 }]);
      const crossed = t.results().flatMap((r) => r.result.events ?? []);
      expect(crossed).toEqual([
        { type: 'line_crossed', line_id: 'door', track_id: expect.any(Number) as number, direction: 'out' },
      ]);
      // The scene's clock is the capture time since the camera was created (here: the epoch).
      const calls = (t.pipeline.runOnRaw as jest.Mock).mock.calls as unknown[][];
      const options = calls.map((c) => c[3] as { timestampMs: number });
      expect(options.map((o) => o.timestampMs - options[0]!.timestampMs).slice(0, 3)).toEqual([0, 100, 200]);
      expect(options[0]!.timestampMs).toBe(t.results()[0]!.timestamp_ms);
      expect(JSON.parse(t.runner.progress().sceneState!)).toMatchObject({ lines: [{ id: 'door', in: 0, out: 1 }] });
      await t.runner.stop();
    });

    it('resumes the counts from a stored scene state (a restart or a takeover)', async () => {
      const first = setup(undefined, undefined, { geometry, state: null });
      await walk(first);
      await first.runner.stop();
      const stored = first.runner.sceneState();

      const firstIds = first.results().flatMap((r) => r.result.detections.flatMap((d) => d.track_id ?? []));
      const next = setup(undefined, undefined, { geometry, state: stored });
      // A second walker, 2 s after the first: counted on top of the stored count, with an id never used before.
      expect(await walk(next)).toEqual([{ id: 'door', in: 0, out: 2 }]);
      const events = next.results().flatMap((r) => r.result.events ?? []);
      expect(events).toHaveLength(1);
      expect(firstIds).not.toContain((events[0] as { track_id: number }).track_id);
      await next.runner.stop();
    });

    it('keeps the counts across a reconnect of the source in the same process', async () => {
      const t = setup(undefined, undefined, { geometry, state: null });
      await walk(t);
      t.sources.last().exit({ kind: 'reconnecting', reason: 'Connection refused' });
      expect(await walk(t, 0, 0, 2)).toEqual([{ id: 'door', in: 0, out: 1 }]);
      expect(t.results().at(-1)?.frame_index).toBe(0);
      await t.runner.stop();
    });

    it('ends the tracks at a reconnect: a crossing during the interruption is not counted', async () => {
      const t = setup(undefined, undefined, { geometry, state: null });
      // The walker stops one step before the door (x = 190)...
      await walk(t, 0, 12);
      const firstId = t.results().at(-1)!.result.detections[0]!.track_id;
      expect(firstId).toEqual(expect.any(Number));
      t.sources.last().exit({ kind: 'reconnecting', reason: 'Connection refused' });
      // ...and is past it (x = 220) on the new connection's first frame, 100 ms later on the capture clock.
      expect(await walk(t, 14, 20, 2)).toEqual([{ id: 'door', in: 0, out: 0 }]);
      expect(t.results().at(-1)?.frame_index).toBe(6);
      const laterIds = t
        .results()
        .slice(13)
        .flatMap((r) => r.result.detections.flatMap((d) => d.track_id ?? []));
      expect(laterIds.length).toBeGreaterThan(0);
      expect(laterIds).not.toContain(firstId);
      await t.runner.stop();
    });

    it('reports no scene state for a tracking camera without lines or zones', async () => {
      const t = setup(undefined, undefined, { geometry, state: null });
      t.runner.camera.sceneGeometry = null;
      expect(t.runner.sceneState()).toBeNull();
      await t.runner.stop();
    });
  });
});
