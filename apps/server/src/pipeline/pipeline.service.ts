import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { type InferenceSession } from 'onnxruntime-node';
import { type Counter, type Histogram } from 'prom-client';
import { type PipelineInfo, type PipelineResult } from '@forgesyte/contracts';
import { DetectorPool, OcrWorkerEngine } from '@forgesyte/vision';
import { InjectConfig, type AppConfig } from '../config/config';
import { ReadinessService } from '../health/readiness.service';
import { Detector } from './detector';
import { InferenceScheduler, type Priority } from './inference-scheduler';
import { describePipeline, loadManifest, type Manifest, type ModelEntry } from './model-manifest';
import { CompiledPipeline, ocrKey, type FrameInput } from './pipeline-graph';
import { InvalidImageError, SchedulerSaturatedError, UnknownPipelineError } from './pipeline.errors';

/** RGB interleaved, 3 channels, no row padding. */
export interface RawFrame {
  data: Buffer;
  width: number;
  height: number;
}

export interface RunOptions {
  /** 'live' (default) is refused at once when the scheduler is saturated; 'job' waits its turn. */
  priority?: Priority;
  /** Raw frames: boxes are mapped to this size (default: the frame size). */
  originalSize?: { width: number; height: number };
}

export const PIPELINE_RUNS = 'forgesyte_pipeline_runs_total';
export const PIPELINE_SECONDS = 'forgesyte_pipeline_stage_duration_seconds';

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
  private readonly ocr = new Map<string, OcrWorkerEngine>();
  private pool: DetectorPool | null = null;
  private loading: Promise<void> | null = null;
  private loadError: Error | null = null;
  private loaded = false;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    readiness: ReadinessService,
    @InjectMetric(PIPELINE_RUNS) private readonly runs: Counter<string>,
    @InjectMetric(PIPELINE_SECONDS) private readonly seconds: Histogram<string>,
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
    this.loading = this.load().catch((error: unknown) => {
      this.loadError = error instanceof Error ? error : new Error(String(error));
      this.logger.error({ event: 'models_load_failed', error: this.loadError.message });
    });
  }

  async onApplicationShutdown(): Promise<void> {
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
    const priority = options.priority ?? 'live';
    // Only at start-up: a frame that arrives while the models load waits for them (a few seconds,
    // and each stream has at most one frame in flight) rather than failing.
    if (!this.loaded) await this.whenLoaded();
    const pipeline = this.pipelines.get(pipelineId);
    if (!pipeline) throw new Error('the models are not loaded yet');
    try {
      // A frame that starts with no other in flight may give detection every core (DetectorPool's wide session).
      const result = await this.scheduler.run(priority, () => pipeline.run(input, this.scheduler.stats.running === 1));
      this.runs.inc({ pipeline: pipelineId, priority, outcome: 'ok' });
      for (const stage of ['decode', 'inference', 'postprocess', 'total'] as const) {
        this.seconds.observe({ pipeline: pipelineId, stage }, result.timings_ms[stage] / 1000);
      }
      return result;
    } catch (error) {
      const outcome =
        error instanceof SchedulerSaturatedError
          ? 'saturated'
          : error instanceof InvalidImageError
            ? 'invalid_image'
            : 'failed';
      this.runs.inc({ pipeline: pipelineId, priority, outcome });
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
    };
    const specs = this.ids.map((id) => this.manifest.pipelines.get(id)!);
    const detectorIds = new Set<string>();
    const ocrPairs = new Map<string, [string, string]>();
    for (const spec of specs) {
      for (const node of spec.nodes) {
        if (node.kind === 'detect') detectorIds.add(node.model);
        if (node.kind === 'ocr') ocrPairs.set(ocrKey(node.det_model, node.rec_model), [node.det_model, node.rec_model]);
      }
    }
    if (detectorIds.size > 0) {
      // onnxruntime-node blocks the thread that runs a model: worker threads keep inference off the event loop
      // and let several frames infer at once (see DetectorPool for how the ORT threads are shared out).
      this.pool = await DetectorPool.start({
        workers: this.config.PIPELINE_WORKERS,
        threads: this.config.ORT_INTRA_OP_THREADS,
      });
      for (const id of detectorIds) {
        const entry = this.manifest.models.get(id)!;
        const spec = {
          id,
          family: entry.family as 'yolox' | 'ultralytics',
          path: this.modelPath(entry, entry.file),
          input: entry.input!,
          labels: this.manifest.labels.get(id)!,
        };
        this.detectors.set(id, await Detector.load(spec, this.pool, sessionOptions));
      }
    }
    for (const [key, [detId, recId]] of ocrPairs) {
      const det = this.manifest.models.get(detId)!;
      const rec = this.manifest.models.get(recId)!;
      if (!rec.dictionary) throw new Error(`model ${recId}: a recognition model needs a "dictionary"`);
      // On a worker thread: onnxruntime-node runs synchronously, and an OCR pass of hundreds of
      // milliseconds would otherwise stall every socket and timer of the server.
      const engine = await OcrWorkerEngine.load(
        this.modelPath(det, det.file),
        this.modelPath(rec, rec.file),
        this.modelPath(rec, rec.dictionary.file),
        sessionOptions,
      );
      await engine.warmup();
      this.ocr.set(key, engine);
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
