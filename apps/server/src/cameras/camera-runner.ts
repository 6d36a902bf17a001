import type { LoggerService } from '@nestjs/common';
import sharp from 'sharp';
import type { CameraStatus } from '@forgesyte/contracts';
import { errorMessage } from '../common/error-message';
import type { PipelineService } from '../pipeline/pipeline.service';
import type { Scene, SceneState } from '../pipeline/scene';
import { WorkCancelledError } from '../pipeline/pipeline.errors';
import type { CameraBus } from './camera-bus';
import type { CameraEntity } from './camera.entity';
import { cameraGeometry } from './cameras.dto';
import type { CameraSourceProvider, RunningSource, SourceGeometry } from './camera-source';
import { PolicyError, resolveSource, UnknownHostError, type CameraUrlPolicy, type ResolvedSource } from './camera-url';
import type { CamerasMetrics } from './cameras.metrics';
import type { CameraProgress } from './cameras.repository';
import { backoffMs, type SourceFailure } from './source-errors';

export interface RunnerDeps {
  sources: CameraSourceProvider;
  pipeline: PipelineService;
  bus: CameraBus;
  metrics: CamerasMetrics;
  policy: CameraUrlPolicy;
  logger: LoggerService;
  backoffMaxMs: number;
  stallMs: number;
  /** First retry wait; doubles per failure up to backoffMaxMs. */
  backoffBaseMs?: number;
  /** Capture times, epoch ms (default Date.now): the scene's clock and the results' `timestamp_ms`. */
  now?: () => number;
}

/** JPEG quality of the frames sent to viewers (`?frames=1`) and snapshots. */
const JPEG_QUALITY = 75;

/**
 * One camera held by this process: runs its ffmpeg, restarts it with backoff and jitter when it
 * fails or stalls, and sends every frame it can analyse through the pipeline (newest wins) and on
 * to the bus. Never gives up while it runs; stop() ends it and its ffmpeg at once.
 */
export class CameraRunner {
  status: CameraStatus = 'starting';
  lastError: string | null;
  lastFrameAt: number | null;
  framesProcessed = 0;
  reconnects: number;
  /** Frames the pipeline never saw because a newer one came first. */
  dropped = 0;
  private frameIndex = 0;
  /** Counts source starts: a frame of an earlier start that finishes late is not published. */
  private generation = 0;
  /** Tracking pipelines: one scene for the runner's life, continued from the stored state (see openScene). */
  private readonly scene: Scene | null;
  private source: RunningSource | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly done: Promise<void>;

  constructor(
    readonly camera: CameraEntity,
    private readonly deps: RunnerDeps,
  ) {
    this.lastError = camera.lastError;
    this.lastFrameAt = camera.lastFrameAt;
    this.reconnects = camera.reconnects;
    this.scene = this.openScene();
    this.done = this.loop().catch((error: unknown) => {
      deps.logger.error?.({ event: 'camera_runner_error', camera_id: camera.id, error: errorMessage(error) });
    });
  }

  get id(): string {
    return this.camera.id;
  }

  get pid(): number | undefined {
    return this.source?.pid;
  }

  progress(): CameraProgress {
    return {
      status: this.status,
      lastFrameAt: this.lastFrameAt,
      framesProcessed: this.framesProcessed,
      reconnects: this.reconnects,
      lastError: this.lastError,
      sceneState: this.sceneState(),
    };
  }

  /** The scene's state as JSON for a camera with lines or zones (what the next holder resumes from), else null. */
  sceneState(): string | null {
    return this.scene && this.camera.sceneGeometry !== null ? JSON.stringify(this.scene.snapshot()) : null;
  }

  /**
   * The camera's scene, resumed from the stored state so counts go on across restarts and takeovers. Its clock is
   * the capture time since the camera was created: the same for every source start and every process. Each source
   * start ends the tracks (where an object was before the interruption says nothing about where it is now); the
   * counts and the track ids' sequence go on.
   */
  private openScene(): Scene | null {
    const { pipeline, logger } = this.deps;
    try {
      if (!pipeline.tracks(this.camera.pipelineId)) return null;
      const state = this.camera.sceneState ? (JSON.parse(this.camera.sceneState) as SceneState) : undefined;
      return pipeline.createScene(this.camera.pipelineId, cameraGeometry(this.camera), state);
    } catch (error) {
      // Geometry is checked when it is saved; a manifest changed since then leaves the camera running uncounted.
      logger.warn?.({ event: 'camera_scene_failed', camera_id: this.id, error: errorMessage(error) });
      return null;
    }
  }

  /** Stops ffmpeg at once and waits for the runner to wind down. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.source?.stop();
    this.wake?.();
    await this.done;
    this.deps.metrics.forget(this.id);
  }

  private get needsPerson(): boolean {
    return this.status === 'failed';
  }

  private setStatus(status: CameraStatus, detail?: string): void {
    if (status === this.status && detail === undefined) return;
    this.status = status;
    this.deps.metrics.setUp(this.id, status === 'streaming');
    this.deps.bus.publish(this.id, {
      kind: 'status',
      message: { event: 'camera_status', status, ...(detail !== undefined ? { detail } : {}) },
    });
  }

  private async loop(): Promise<void> {
    const { logger } = this.deps;
    let attempt = 0;
    let everStreamed = false;
    // Announced even when the row already said `starting`: viewers learn that frame_index restarts.
    this.status = 'waiting';
    while (!this.stopped) {
      // A camera that needs a person stays `failed` while it is retried, until frames flow again.
      if (!this.needsPerson) this.setStatus('starting');
      this.frameIndex = 0;
      this.generation++;
      // A new connection is a new stream: the tracks end (the counts go on), also those of a takeover's state.
      this.scene?.endTracks();
      let failure: SourceFailure;
      let streamed = false;
      try {
        const resolved = await resolveSource(this.camera.url, this.deps.policy);
        if (this.stopped) break;
        ({ failure, streamed } = await this.runSource(resolved, everStreamed));
      } catch (error) {
        failure =
          error instanceof UnknownHostError
            ? { kind: 'failed', reason: 'unknown host' }
            : error instanceof PolicyError
              ? { kind: 'failed', reason: error.message }
              : { kind: 'reconnecting', reason: errorMessage(error) };
      }
      if (this.stopped) break;
      if (streamed) {
        attempt = 0;
        everStreamed = true;
      }
      this.lastError = failure.reason;
      this.reconnects++;
      this.deps.metrics.reconnect(this.id);
      const waitMs =
        failure.kind === 'failed'
          ? this.deps.backoffMaxMs
          : backoffMs(attempt++, this.deps.backoffBaseMs ?? 1000, this.deps.backoffMaxMs);
      logger.warn?.({
        event: 'camera_disconnected',
        camera_id: this.id,
        reason: failure.reason,
        status: failure.kind,
        retry_ms: waitMs,
      });
      this.setStatus(failure.kind, failure.reason);
      await this.sleep(waitMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  /** One ffmpeg, from start to exit (by itself, stalled, or stopped). */
  private runSource(
    resolved: ResolvedSource,
    reconnect: boolean,
  ): Promise<{ failure: SourceFailure; streamed: boolean }> {
    const { logger, stallMs } = this.deps;
    return new Promise((resolve) => {
      let geometry: SourceGeometry | null = null;
      let streamed = false;
      let stalled = false;
      let watchdog: NodeJS.Timeout | undefined;
      const arm = (): void => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          stalled = true;
          logger.warn?.({ event: 'camera_stalled', camera_id: this.id, stall_s: stallMs / 1000 });
          this.source?.stop();
        }, stallMs);
      };
      arm();
      this.source = this.deps.sources.open(
        resolved,
        this.camera.fps,
        this.deps.pipeline.inputSize(this.camera.pipelineId),
        {
          onOpen: (g) => (geometry = g),
          onFrame: (frame) => {
            if (this.stopped || geometry === null) return;
            arm();
            if (!streamed) {
              streamed = true;
              this.lastError = null;
              this.setStatus('streaming');
              logger.log({ event: reconnect ? 'camera_reconnected' : 'camera_started', camera_id: this.id });
            }
            this.analyse(frame, geometry, (this.deps.now ?? Date.now)());
          },
          onExit: (failure) => {
            clearTimeout(watchdog);
            this.source = null;
            resolve({
              failure: stalled
                ? { kind: 'reconnecting', reason: `stalled: no frame for ${stallMs / 1000} s` }
                : failure,
              streamed,
            });
          },
        },
      );
    });
  }

  /** Hands the frame to the scheduler; a newer frame of this camera replaces it while it waits. */
  private analyse(data: Buffer, geometry: SourceGeometry, capturedAt: number): void {
    const frame = { data, ...geometry.frame };
    const generation = this.generation;
    const current = (): boolean => !this.stopped && generation === this.generation;
    this.deps.pipeline
      .runOnRaw(this.camera.pipelineId, this.frameIndex, frame, {
        priority: 'camera',
        key: this.id,
        originalSize: geometry.original,
        ...(this.scene ? { scene: this.scene, timestampMs: capturedAt - this.camera.createdAt } : {}),
      })
      .then(async (result) => {
        if (!current()) return;
        const index = this.frameIndex++;
        const jpeg = await sharp(data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
          .jpeg({ quality: JPEG_QUALITY })
          .toBuffer();
        if (!current()) return;
        const now = Date.now();
        this.framesProcessed++;
        this.lastFrameAt = now;
        this.deps.metrics.frame(this.id, now - capturedAt);
        this.deps.bus.publish(this.id, {
          kind: 'result',
          message: { camera_id: this.id, frame_index: index, timestamp_ms: capturedAt, result },
          jpeg,
        });
      })
      .catch((error: unknown) => {
        if (error instanceof WorkCancelledError) {
          this.dropped++;
          return;
        }
        this.deps.logger.warn?.({ event: 'camera_frame_failed', camera_id: this.id, error: errorMessage(error) });
      });
  }
}
