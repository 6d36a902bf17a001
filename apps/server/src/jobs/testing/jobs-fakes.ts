import { hasGeometry, type Detection, type PipelineResult, type SceneGeometry } from '@forgesyte/contracts';
import { SceneTracker, type SceneState } from '@forgesyte/vision';
import { Scene } from '../../pipeline/scene';
import { InvalidGeometryError } from '../../pipeline/pipeline.errors';
import { Clock } from '../../common/clock';
import type { RawFrame, RunOptions } from '../../pipeline/pipeline.service';
import type { JobEntity, JobResultEntity } from '../job.entity';
import type { NewJob, SceneCheckpoint, StoredFrame } from '../jobs.repository';
import { MediaProvider } from '../media.provider';
import { StorageProvider, type StoredFile } from '../storage.provider';
import { NotAVideoError, type Size, type VideoInfo } from '../video-probe';

/** Fakes for the jobs unit specs: in memory, no database, no ffmpeg, no files. */

export class FakeClock extends Clock {
  constructor(public ms = 1_700_000_000_000) {
    super();
  }

  now(): number {
    return this.ms;
  }
}

/** Files by path; `head` is what readHead answers, `mtimeMs` what listFiles reports. */
export class FakeStorage extends StorageProvider {
  readonly files = new Map<string, { head: Buffer; mtimeMs: number }>();
  readonly synced: string[] = [];
  readonly removed: string[] = [];
  /** Every call in order, to check that a flush comes before the job row. */
  readonly calls: string[] = [];

  add(path: string, head = Buffer.from('\0\0\0\x18ftypisom'), mtimeMs = 0): void {
    this.files.set(path, { head, mtimeMs });
  }

  readHead(path: string, bytes: number): Promise<Buffer> {
    const file = this.files.get(path);
    return file ? Promise.resolve(file.head.subarray(0, bytes)) : Promise.reject(new Error(`ENOENT ${path}`));
  }

  sync(path: string): Promise<void> {
    this.calls.push(`sync ${path}`);
    this.synced.push(path);
    return Promise.resolve();
  }

  exists(path: string): Promise<boolean> {
    return Promise.resolve(this.files.has(path));
  }

  remove(path: string): Promise<void> {
    this.removed.push(path);
    this.files.delete(path);
    return Promise.resolve();
  }

  listFiles(dir: string): Promise<StoredFile[]> {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    return Promise.resolve(
      [...this.files].filter(([path]) => path.startsWith(prefix)).map(([path, f]) => ({ path, mtimeMs: f.mtimeMs })),
    );
  }
}

/**
 * A video of `frames` frames (each frame's bytes are filled with its index), or not a video at all.
 * `decodeFailsAfter` makes decoding throw after that many frames, the way a truncated file does.
 */
export class FakeMedia extends MediaProvider {
  info: VideoInfo | null = { format: 'mov,mp4,m4a,3gp,3g2,mj2', width: 640, height: 480, fps: 10, durationMs: 500 };
  frames = 5;
  decodeFailsAfter: number | null = null;
  counted = 0;
  decodeStopped = false;

  probe(): Promise<VideoInfo> {
    return this.info ? Promise.resolve(this.info) : Promise.reject(new NotAVideoError('no video stream'));
  }

  countFrames(): Promise<number> {
    this.counted++;
    return Promise.resolve(this.frames);
  }

  async *decodeRgbFrames(_path: string, _fps: number | null, size: Size): AsyncGenerator<Buffer> {
    let finished = false;
    try {
      for (let i = 0; i < this.frames; i++) {
        if (this.decodeFailsAfter === i) throw new Error('decoder: truncated input');
        await Promise.resolve();
        yield Buffer.alloc(size.width * size.height * 3, i);
      }
      finished = true;
    } finally {
      if (!finished) this.decodeStopped = true;
    }
  }
}

function fakeResult(): PipelineResult {
  return {
    image: { width: 640, height: 480 },
    detections: [{ label: 'person', class_id: 0, score: 0.9, box: { x1: 1, y1: 2, x2: 3, y2: 4 } }],
    texts: [],
    timings_ms: { decode: 0, inference: 1, postprocess: 0, total: 1 },
  };
}

/** The part of PipelineService jobs use; `fail` makes runs of those frame indices reject. */
export class FakePipeline {
  readonly loaded = new Set(['yolo']);
  readonly ran: { frameIndex: number; firstByte: number | undefined; options: RunOptions }[] = [];
  fail = new Set<number>();

  isValidPipeline(id: string): boolean {
    return this.loaded.has(id);
  }

  inputSize(): Size {
    return { width: 416, height: 416 };
  }

  /** The fake pipelines do not track. */
  createScene(id: string, geometry: SceneGeometry, _state?: SceneState): Scene | null {
    if (hasGeometry(geometry)) throw new InvalidGeometryError(`pipeline ${id} does not track objects`);
    return null;
  }

  runOnRaw(_id: string, frameIndex: number, frame: RawFrame, options: RunOptions = {}): Promise<PipelineResult> {
    this.ran.push({ frameIndex, firstByte: frame.data[0], options });
    if (this.fail.has(frameIndex)) return Promise.reject(new Error(`inference failed on frame ${frameIndex}`));
    return Promise.resolve(fakeResult());
  }
}

/**
 * A tracking pipeline whose detector sees, on frame i (its first byte), a person walking right at 15 px a frame over
 * a vertical door at x = 200 and a person standing still. Scenes are the real ones, taken in turn as the real
 * PipelineService does.
 */
export class FakeTrackingPipeline extends FakePipeline {
  delayMs = 0;

  constructor() {
    super();
    this.loaded.add('track');
  }

  override createScene(id: string, geometry: SceneGeometry, state?: SceneState): Scene | null {
    if (id !== 'track') return super.createScene(id, geometry);
    return new Scene(id, new SceneTracker({ tracker: { confirmFrames: 2 }, ...geometry }, state));
  }

  override async runOnRaw(
    id: string,
    frameIndex: number,
    frame: RawFrame,
    options: RunOptions = {},
  ): Promise<PipelineResult> {
    if (id !== 'track') return super.runOnRaw(id, frameIndex, frame, options);
    const taken = options.scene!.turn((options.timestampMs ?? 0) / 1000, options.onTracked);
    this.ran.push({ frameIndex, firstByte: frame.data[0], options });
    try {
      // Later frames finish "detection" sooner, so the turns are what keeps the order.
      await new Promise((resolve) => setTimeout(resolve, this.delayMs * (frameIndex % 2 === 0 ? 1 : 0.5)));
      const x = 10 + 15 * (frame.data[0] ?? 0);
      const detections: Detection[] = [
        { label: 'person', class_id: 0, score: 0.9, box: { x1: x - 20, y1: 100, x2: x + 20, y2: 200 } },
        { label: 'person', class_id: 0, score: 0.8, box: { x1: 400, y1: 300, x2: 440, y2: 400 } },
      ];
      await taken.turn.ready;
      const scene = taken.turn.tracker.update(detections, taken.turn.timeS);
      taken.turn.tracked();
      const { trackIds, ...counts } = scene;
      return {
        ...fakeResult(),
        detections: detections.map((d, i) => (trackIds[i] === null ? d : { ...d, track_id: trackIds[i] })),
        ...counts,
      };
    } finally {
      taken.release();
    }
  }
}

/** JobsRepository in memory, with the same answers for the same calls (leases included). */
export class FakeJobsRepository {
  readonly jobs = new Map<string, JobEntity>();
  readonly stored = new Map<string, Map<number, StoredFrame>>();
  readonly leases = new Map<string, { owner: string; expiresAt: number }>();
  readonly calls: string[] = [];
  /** The owner whose heartbeat or setTotal fails from now on, as when another worker took over. */
  lostBy: string | null = null;

  ready(): Promise<void> {
    return Promise.resolve();
  }

  insert(job: NewJob): Promise<void> {
    this.calls.push(`insert ${job.id}`);
    this.jobs.set(job.id, {
      ...job,
      status: 'queued',
      framesTotal: null,
      framesProcessed: 0,
      error: null,
      startedAt: null,
      finishedAt: null,
      leaseOwner: null,
      leaseExpiresAt: null,
      attempts: 0,
      sceneGeometry: job.sceneGeometry ?? null,
      sceneState: null,
      lineCounts: null,
    });
    return Promise.resolve();
  }

  /** A job in any state, for specs that start from the middle of a lifecycle. */
  put(fields: Partial<JobEntity> & { id: string }): JobEntity {
    const job: JobEntity = {
      status: 'queued',
      pipelineId: 'yolo',
      fps: null,
      filePath: `/data/uploads/${fields.id}`,
      originalName: null,
      framesTotal: null,
      framesProcessed: 0,
      error: null,
      createdAt: 0,
      startedAt: null,
      finishedAt: null,
      leaseOwner: null,
      leaseExpiresAt: null,
      attempts: 0,
      sceneGeometry: null,
      sceneState: null,
      lineCounts: null,
      ...fields,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  find(id: string): Promise<JobEntity | null> {
    const job = this.jobs.get(id);
    return Promise.resolve(job ? { ...job } : null);
  }

  private held(id: string, owner: string): JobEntity | null {
    const job = this.jobs.get(id);
    return job && job.status === 'running' && job.leaseOwner === owner && this.lostBy !== owner ? job : null;
  }

  heartbeat(
    id: string,
    owner: string,
    processed: number,
    _now?: number,
    _leaseMs?: number,
    scene?: SceneCheckpoint,
  ): Promise<boolean> {
    const job = this.held(id, owner);
    if (job) {
      job.framesProcessed = processed;
      if (scene) Object.assign(job, { sceneState: scene.state, lineCounts: scene.lines ?? job.lineCounts });
    }
    return Promise.resolve(job !== null);
  }

  setTotal(id: string, owner: string, total: number): Promise<boolean> {
    const job = this.held(id, owner);
    if (job) job.framesTotal = total;
    return Promise.resolve(job !== null);
  }

  finish(
    id: string,
    owner: string,
    status: 'completed' | 'failed',
    fields: { processed: number; total?: number; error?: string; now: number; lines?: string | null },
  ): Promise<boolean> {
    const job = this.held(id, owner);
    if (job) {
      Object.assign(job, { status, framesProcessed: fields.processed, error: fields.error ?? null });
      job.lineCounts = fields.lines ?? job.lineCounts;
      job.framesTotal = fields.total ?? job.framesTotal;
      job.finishedAt = fields.now;
    }
    return Promise.resolve(job !== null);
  }

  cancel(id: string, now: number): Promise<boolean> {
    const job = this.jobs.get(id);
    if (!job || (job.status !== 'queued' && job.status !== 'running')) return Promise.resolve(false);
    Object.assign(job, { status: 'cancelled', finishedAt: now });
    return Promise.resolve(true);
  }

  ownedFiles(paths: string[]): Promise<Set<string>> {
    const owned = new Set([...this.jobs.values()].map((j) => j.filePath));
    return Promise.resolve(new Set(paths.filter((p) => owned.has(p))));
  }

  remove(ids: string[]): Promise<void> {
    this.calls.push(`remove ${ids.join(',')}`);
    for (const id of ids) {
      this.jobs.delete(id);
      this.stored.delete(id);
    }
    return Promise.resolve();
  }

  deleteResults(id: string): Promise<void> {
    this.calls.push(`deleteResults ${id}`);
    this.stored.delete(id);
    return Promise.resolve();
  }

  saveResults(id: string, frames: StoredFrame[]): Promise<void> {
    const stored = this.stored.get(id) ?? new Map<number, StoredFrame>();
    for (const frame of frames) if (!stored.has(frame.frameIndex)) stored.set(frame.frameIndex, frame);
    this.stored.set(id, stored);
    return Promise.resolve();
  }

  doneIndices(id: string): Promise<Set<number>> {
    return Promise.resolve(new Set(this.stored.get(id)?.keys() ?? []));
  }

  results(id: string, offset: number, limit: number): Promise<JobResultEntity[]> {
    const rows = [...(this.stored.get(id)?.values() ?? [])].sort((x, y) => x.frameIndex - y.frameIndex);
    return Promise.resolve(rows.slice(offset, offset + limit).map((r) => ({ jobId: id, ...r })));
  }

  countResults(id: string): Promise<number> {
    return Promise.resolve(this.stored.get(id)?.size ?? 0);
  }

  holdLease(name: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
    const lease = this.leases.get(name);
    if (lease && lease.owner !== owner && lease.expiresAt >= now) return Promise.resolve(false);
    this.leases.set(name, { owner, expiresAt: now + ttlMs });
    return Promise.resolve(true);
  }

  finishedBefore(cutoff: number, limit: number): Promise<{ id: string; filePath: string }[]> {
    const finished = [...this.jobs.values()]
      .filter((j) => ['completed', 'failed', 'cancelled'].includes(j.status) && (j.finishedAt ?? Infinity) < cutoff)
      .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0))
      .slice(0, limit);
    return Promise.resolve(finished.map((j) => ({ id: j.id, filePath: j.filePath })));
  }
}
