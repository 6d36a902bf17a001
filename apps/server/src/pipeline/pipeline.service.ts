import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type InferenceSession } from 'onnxruntime-node';
import { hasGeometry, type PipelineInfo, type PipelineResult, type SceneGeometry } from '@forgesyte/contracts';
import { SceneTracker, type SceneState } from '@forgesyte/vision';
import { InjectConfig, type AppConfig } from '../config/config';
import { ReadinessService } from '../health/readiness.service';
import { detectorSpec, type Detector } from './detector';
import { HostLoad } from './host-load';
import { ModelLoader, type LoadedPool, type LoadedTextReader } from './model-loader';
import { InferenceScheduler, type Priority } from './inference-scheduler';
import { describePipeline, loadManifest, type Manifest, type ModelEntry } from './model-manifest';
import { CompiledPipeline, sceneOptionsOf, type FrameInput } from './pipeline-graph';
import { PipelineMetrics } from './pipeline.metrics';
import { Scene } from './scene';
import { nodeKind, ocrKey, type SceneTurn } from './nodes';
import {
  InvalidGeometryError,
  InvalidImageError,
  SchedulerSaturatedError,
  UnknownPipelineError,
  WorkCancelledError,
} from './pipeline.errors';

/** RGB interleaved, 3 channels, no row padding. */
export interface RawFrame {
  data: Buffer;
  width: number;
  height: number;
}

export interface RunOptions {
  /**
   * 'live' (default) is refused at once when the scheduler is saturated; 'job' waits its turn;
   * 'camera' waits too, but only its newest frame per `key` (see InferenceScheduler).
   */
  priority?: Priority;
  /** The camera a 'camera' run belongs to. */
  key?: string;
  /** Raw frames: boxes are mapped to this size (default: the frame size). */
  originalSize?: { width: number; height: number };
  /** Aborted when the caller no longer wants the answer: work still waiting for a slot is dropped. */
  signal?: AbortSignal;
  /** Tracking pipelines: the caller's scene (see `createScene`); frames are tracked in the order they are run. */
  scene?: Scene;
  /** The frame's time on the scene's clock (its time in the video, or its arrival in the session). */
  timestampMs?: number;
  /** Called right after the scene's tracker has taken this frame, before any later frame of the scene. */
  onTracked?: () => void;
}

/**
 * With ORT_ALLOW_SPINNING=auto, a lone frame spins only when the frame before it started at least this long ago:
 * after a run the spinning threads go on spinning for about 40 ms (0.85 cores busy at 15 runs a second, against 0.29
 * still), which must be over before the next frame starts or it takes the cores that frame needs; with a rate limit
 * instead, the first frames of a burst still spun, and 4 streams at 15 fps dropped frames (docs/PERFORMANCE.md).
 */
export const SPIN_MIN_GAP_MS = 50;

/**
 * Loads every configured pipeline's models once (in the background, so /health/ready can say
 * 503 while it happens), and runs frames through the shared bounded scheduler.
 */
@Injectable()
export class PipelineService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('PipelineService');
  private readonly manifest: Manifest;
  private readonly ids: string[];
  private readonly scheduler: InferenceScheduler;
  private readonly pipelines = new Map<string, CompiledPipeline>();
  private readonly detectors = new Map<string, Detector>();
  private readonly ocr = new Map<string, LoadedTextReader>();
  /** When the last frame started (performance.now()), for SPIN_MIN_GAP_MS. */
  private lastStart = Number.NEGATIVE_INFINITY;
  private pool: LoadedPool | null = null;
  private loading: Promise<void> | null = null;
  private loadError: Error | null = null;
  private loaded = false;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    readiness: ReadinessService,
    private readonly metrics: PipelineMetrics,
    private readonly loader: ModelLoader,
    private readonly hostLoad: HostLoad,
  ) {
    // A wrong manifest or an unknown id in PIPELINES is a configuration mistake: stop at start-up.
    this.manifest = loadManifest(config.MODELS_MANIFEST);
    this.ids = config.PIPELINES.split(',');
    for (const id of this.ids) {
      if (!this.manifest.pipelines.has(id)) {
        throw new Error(
          `PIPELINES names '${id}', which ${config.MODELS_MANIFEST} does not define (known: ${[...this.manifest.pipelines.keys()].join(', ')})`,
        );
      }
    }
    this.scheduler = new InferenceScheduler({
      concurrency: config.PIPELINE_CONCURRENCY,
      liveQueue: config.PIPELINE_LIVE_QUEUE,
    });
    readiness.register('models', () => {
      if (this.loadError) return `models failed to load: ${this.loadError.message}`;
      if (!this.loaded) return 'models are loading';
      // A dead worker thread fails frames: say so instead of staying ready.
      if (this.pool?.problem) return `detection: ${this.pool.problem}`;
      for (const [key, engine] of this.ocr) if (engine.problem) return `OCR ${key}: ${engine.problem}`;
      return null;
    });
  }

  onModuleInit(): void {
    if (this.config.ORT_ALLOW_SPINNING === 'auto') this.hostLoad.start();
    this.loading = this.load().catch((error: unknown) => {
      this.loadError = error instanceof Error ? error : new Error(String(error));
      this.logger.error({ event: 'models_load_failed', error: this.loadError.message });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.hostLoad.stop();
    await this.loading;
    // Each worker finishes the frames it holds before releasing its sessions.
    await Promise.all([this.pool?.close(), ...[...this.ocr.values()].map((o) => o.release())]);
  }

  /** Resolves when every configured pipeline is loaded; rejects with the load error otherwise. */
  async whenLoaded(): Promise<void> {
    await this.loading;
    if (this.loadError) throw this.loadError;
  }

  isValidPipeline(id: string): boolean {
    return this.ids.includes(id);
  }

  list(): PipelineInfo[] {
    return this.ids.map((id) => describePipeline(this.manifest.pipelines.get(id)!, this.manifest).info);
  }

  /** Size raw frames should be scaled to (keep aspect, fit inside) for this pipeline. */
  inputSize(pipelineId: string): { width: number; height: number } {
    if (!this.isValidPipeline(pipelineId)) throw new UnknownPipelineError(pipelineId);
    return describePipeline(this.manifest.pipelines.get(pipelineId)!, this.manifest).inputSize;
  }

  /** Whether the pipeline tracks objects (has a track node), so its callers keep a scene per source. */
  tracks(pipelineId: string): boolean {
    return this.isValidPipeline(pipelineId) && sceneOptionsOf(this.manifest.pipelines.get(pipelineId)!) !== null;
  }

  /**
   * A new scene for one source (live session, camera, job) of a tracking pipeline, with its lines and zones, or
   * continuing from `state`; null for a pipeline that does not track and has no geometry. Throws
   * InvalidGeometryError for lines or zones on a pipeline without a track node, or for classes it cannot detect.
   */
  createScene(pipelineId: string, geometry: SceneGeometry, state?: SceneState): Scene | null {
    if (!this.isValidPipeline(pipelineId)) throw new UnknownPipelineError(pipelineId);
    const spec = this.manifest.pipelines.get(pipelineId)!;
    const options = sceneOptionsOf(spec);
    if (options === null) {
      if (!hasGeometry(geometry)) return null;
      throw new InvalidGeometryError(
        `pipeline ${pipelineId} does not track objects, so it cannot count lines or zones`,
      );
    }
    const known = describePipeline(spec, this.manifest).info.classes;
    for (const entry of [...geometry.lines, ...geometry.zones]) {
      const unknown = entry.classes?.find((c) => !known.includes(c));
      if (unknown !== undefined) {
        throw new InvalidGeometryError(`${entry.id}: pipeline ${pipelineId} does not detect the class ${unknown}`);
      }
    }
    return new Scene(pipelineId, new SceneTracker({ tracker: options, ...geometry }, state));
  }

  runOnFrame(pipelineId: string, frameIndex: number, jpeg: Buffer, options: RunOptions = {}): Promise<PipelineResult> {
    return this.run(pipelineId, frameIndex, { kind: 'encoded', bytes: jpeg }, options);
  }

  runOnRaw(pipelineId: string, frameIndex: number, frame: RawFrame, options: RunOptions = {}): Promise<PipelineResult> {
    if (
      !Number.isInteger(frame.width) ||
      !Number.isInteger(frame.height) ||
      frame.width <= 0 ||
      frame.height <= 0 ||
      frame.data.length !== frame.width * frame.height * 3
    ) {
      return Promise.reject(
        new InvalidImageError(`raw frame of ${frame.data.length} bytes is not ${frame.width}x${frame.height} RGB`),
      );
    }
    const original = options.originalSize ?? { width: frame.width, height: frame.height };
    return this.run(pipelineId, frameIndex, { kind: 'raw', frame, original }, options);
  }

  private async run(
    pipelineId: string,
    frameIndex: number,
    input: FrameInput,
    options: RunOptions,
  ): Promise<PipelineResult> {
    if (!this.isValidPipeline(pipelineId)) throw new UnknownPipelineError(pipelineId);
    // Taken before the first await, so a scene's frames are tracked in the order the caller ran them.
    if (options.scene && options.scene.pipelineId !== pipelineId) {
      throw new Error(`a scene of pipeline ${options.scene.pipelineId} cannot track frames of ${pipelineId}`);
    }
    const scene = options.scene?.turn((options.timestampMs ?? 0) / 1000, options.onTracked);
    try {
      return await this.schedule(pipelineId, frameIndex, input, options, scene?.turn);
    } finally {
      scene?.release();
    }
  }

  private async schedule(
    pipelineId: string,
    frameIndex: number,
    input: FrameInput,
    options: RunOptions,
    scene: SceneTurn | undefined,
  ): Promise<PipelineResult> {
    const priority = options.priority ?? 'live';
    // Only at start-up: a frame that arrives while the models load waits for them (a few seconds,
    // and each stream has at most one frame in flight) rather than failing.
    if (!this.loaded) await this.whenLoaded();
    const pipeline = this.pipelines.get(pipelineId);
    if (!pipeline) throw new Error('the models are not loaded yet');
    try {
      // A frame that starts with no other in flight may give detection every core (DetectorPool's wide session), and
      // with ORT_ALLOW_SPINNING=auto on a quiet host, sessions whose idle threads spin-wait.
      const result = await this.scheduler.run(
        priority,
        () => {
          const now = performance.now();
          const gap = now - this.lastStart;
          this.lastStart = now;
          const alone = this.scheduler.stats.running === 1;
          const spin =
            alone && this.config.ORT_ALLOW_SPINNING === 'auto' && this.hostLoad.quiet && gap >= SPIN_MIN_GAP_MS;
          return pipeline.runFrame(input, { alone, spin, scene });
        },
        options.signal,
        options.key,
      );
      this.metrics.succeeded(pipelineId, priority, result.timings_ms);
      return result;
    } catch (error) {
      const outcome =
        error instanceof SchedulerSaturatedError
          ? 'saturated'
          : error instanceof InvalidImageError
            ? 'invalid_image'
            : error instanceof WorkCancelledError
              ? 'cancelled'
              : 'failed';
      this.metrics.ended(pipelineId, priority, outcome);
      if (outcome === 'failed') {
        this.logger.warn({
          event: 'pipeline_failed',
          pipeline_id: pipelineId,
          frame_index: frameIndex,
          error: (error as Error).message,
        });
      }
      throw error;
    }
  }

  private async load(): Promise<void> {
    const started = Date.now();
    const sessionOptions: InferenceSession.SessionOptions = {
      intraOpNumThreads: this.config.ORT_INTRA_OP_THREADS,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      // ORT's idle intra-op threads spin before they sleep unless told not to; beside the event loop and the other
      // workers on a few cores, or on a busy host, the spinning starves them (docs/PERFORMANCE.md, live stream tail).
      // `auto` keeps these still and loads spinning twins for lone frames on a quiet host.
      extra: { session: { intra_op: { allow_spinning: this.config.ORT_ALLOW_SPINNING === true ? '1' : '0' } } },
    };
    const spinTwins = this.config.ORT_ALLOW_SPINNING === 'auto';
    const specs = this.ids.map((id) => this.manifest.pipelines.get(id)!);
    const detectorIds = new Set<string>();
    const ocrPairs = new Map<string, [string, string]>();
    for (const spec of specs) {
      for (const node of spec.nodes) {
        for (const need of nodeKind(node).requires(node)) {
          if (need.type === 'detector') detectorIds.add(need.model);
          else ocrPairs.set(ocrKey(need.det, need.rec), [need.det, need.rec]);
        }
      }
    }
    if (detectorIds.size > 0) {
      // onnxruntime-node blocks the thread that runs a model: worker threads keep inference off the event loop
      // and let several frames infer at once (see DetectorPool for how the ORT threads are shared out).
      const pool = await this.loader.startPool({
        workers: this.config.PIPELINE_WORKERS,
        threads: this.config.ORT_INTRA_OP_THREADS,
      });
      this.pool = pool;
      for (const id of detectorIds) {
        const entry = this.manifest.models.get(id)!;
        const spec = detectorSpec(entry, this.manifest.labels.get(id)!, (file) => this.modelPath(entry, file));
        this.detectors.set(id, await this.loader.loadDetector(spec, pool, sessionOptions, spinTwins));
      }
    }
    for (const [key, [detId, recId]] of ocrPairs) {
      const det = this.manifest.models.get(detId)!;
      const rec = this.manifest.models.get(recId)!;
      if (!rec.dictionary) throw new Error(`model ${recId}: a recognition model needs a "dictionary"`);
      const paths = {
        det: this.modelPath(det, det.hard_swish?.file ?? det.file),
        rec: this.modelPath(rec, rec.hard_swish?.file ?? rec.file),
        dictionary: this.modelPath(rec, rec.dictionary.file),
      };
      this.ocr.set(key, await this.loader.loadOcr(paths, sessionOptions));
    }
    const limits = { maxPixels: this.config.IMAGE_MAX_PIXELS };
    for (const spec of specs) this.pipelines.set(spec.id, new CompiledPipeline(spec, this.detectors, this.ocr, limits));
    this.loaded = true;
    this.logger.log({
      event: 'models_loaded',
      pipelines: this.ids,
      models: [...detectorIds, ...[...ocrPairs.values()].flat()],
      duration_ms: Date.now() - started,
    });
  }

  private modelPath(entry: ModelEntry, file: string): string {
    const path = resolve(join(this.config.MODELS_DIR, file));
    if (!existsSync(path)) {
      throw new Error(`model ${entry.id}: ${path} is missing; run \`npm run models\` (MODEL_SOURCE sets where from)`);
    }
    return path;
  }
}
