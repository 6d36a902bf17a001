import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { InjectConfig, type AppConfig } from '../config/config';
import { PipelineService } from '../pipeline/pipeline.service';
import type { JobEntity } from './job.entity';
import { JobsMetrics } from './jobs.metrics';
import { JobsRepository, type StoredFrame } from './jobs.repository';
import { MediaProvider } from './media.provider';
import { fitInside, shortfall, VideoDamagedError } from './video-probe';
import { errorMessage } from '../common/error-message';
import { JobScene } from './job-scene';

/** Why processing stopped before the end. */
export type StopReason = 'shutdown' | 'cancelled' | 'lost';
export type Outcome = 'completed' | 'failed' | StopReason;

/** Frames handed to the pipeline at once: one decoding/pre-processing while the other infers. */
const IN_FLIGHT = 2;
/** Progress and the lease are written at this period (the issue asks for at least once a second). */
const HEARTBEAT_MS = 1000;

/** Runs one claimed job from its current state to an end, writing results idempotently. */
@Injectable()
export class JobProcessor {
  private readonly logger = new Logger('Jobs');

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly repository: JobsRepository,
    private readonly pipeline: PipelineService,
    private readonly metrics: JobsMetrics,
    private readonly media: MediaProvider,
    private readonly clock: Clock,
  ) {}

  async process(job: JobEntity, owner: string, stop: AbortController): Promise<Outcome> {
    const leaseMs = this.config.JOBS_LEASE_S * 1000;
    const pending: StoredFrame[] = [];
    const stored = new Set<number>();
    let persisted = 0;
    let writes: Promise<void> = Promise.resolve();
    let writeError: unknown = null;
    let tracking: JobScene | null = null;

    const flush = (): Promise<void> => {
      writes = writes.then(async () => {
        if (writeError !== null) return;
        const batch = pending.splice(0);
        try {
          await this.repository.saveResults(job.id, batch);
          for (const frame of batch) stored.add(frame.frameIndex);
          persisted = stored.size;
        } catch (error) {
          writeError = error;
          stop.abort('lost');
        }
      });
      return writes;
    };
    const beat = async (): Promise<void> => {
      await flush();
      const ours = await this.repository
        .heartbeat(job.id, owner, persisted, this.clock.now(), leaseMs, tracking?.checkpoint(stored) ?? undefined)
        .catch(() => true /* a transient error: the lease still has time, try again next beat */);
      if (!ours) stop.abort('lost');
    };
    let beating = false;
    const timer = setInterval(() => {
      if (beating) return;
      beating = true;
      void beat().finally(() => (beating = false));
    }, HEARTBEAT_MS);

    try {
      if (!this.pipeline.isValidPipeline(job.pipelineId)) {
        return await this.fail(job, owner, persisted, `pipeline ${job.pipelineId} is not loaded in this worker`);
      }
      const info = await this.media.probe(job.filePath);
      let total = job.framesTotal;
      if (total === null) {
        total = await this.media.countFrames(job.filePath, job.fps, stop.signal);
        if (!(await this.repository.setTotal(job.id, owner, total))) stop.abort('lost');
      }
      const done = await this.repository.doneIndices(job.id);
      for (const i of done) stored.add(i);
      persisted = stored.size;
      tracking = JobScene.open(job, this.pipeline);
      const size = fitInside(info, this.pipeline.inputSize(job.pipelineId));
      const originalSize = { width: info.width, height: info.height };
      const rate = job.fps ?? info.fps;
      this.logger.log({ event: 'job_processing', job_id: job.id, owner, frames_total: total, resumed_from: done.size });

      const inFlight = new Set<Promise<void>>();
      let failure: unknown = null;
      let index = 0;
      for await (const data of this.media.decodeRgbFrames(job.filePath, job.fps, size)) {
        if (stop.signal.aborted || failure !== null) break;
        const frameIndex = index++;
        // A tracking job re-runs the frames after its checkpoint: the tracker must see them again, in order.
        if (done.has(frameIndex) && (tracking === null || frameIndex <= tracking.resumeAfter)) continue;
        const timestampMs = rate ? Math.round((frameIndex * 1000) / rate) : 0;
        const task = this.pipeline
          .runOnRaw(
            job.pipelineId,
            frameIndex,
            { data, ...size },
            { priority: 'job', originalSize, ...tracking?.runOptions(frameIndex, timestampMs) },
          )
          .then(
            (result) => {
              pending.push({ frameIndex, timestampMs, result: JSON.stringify(result) });
              this.metrics.frameProcessed();
            },
            (error: unknown) => {
              failure ??= error;
            },
          )
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
        if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      await flush();
      const short = stop.signal.aborted || failure !== null ? null : shortfall(index, info, job.fps);
      if (short) throw new VideoDamagedError(short);

      if (stop.signal.aborted) {
        // Handed back at shutdown: the next worker continues the scene exactly where this one stopped.
        if (stop.signal.reason === 'shutdown' && tracking !== null && writeError === null) await beat();
        return stop.signal.reason as StopReason;
      }
      if (writeError !== null) throw asError(writeError);
      if (failure !== null) {
        return await this.fail(job, owner, persisted, `pipeline failed: ${errorMessage(failure)}`);
      }
      const count = await this.repository.countResults(job.id);
      // The decode pass is the truth if it ever disagrees with the counting pass.
      const ok = await this.repository.finish(job.id, owner, 'completed', {
        processed: count,
        total: index,
        now: this.clock.now(),
        lines: tracking?.finalLines() ?? null,
      });
      if (!ok) return 'lost';
      this.metrics.finished('completed');
      this.logger.log({ event: 'job_completed', job_id: job.id, owner, frames: count });
      return 'completed';
    } catch (error) {
      if (stop.signal.aborted) return stop.signal.reason as StopReason;
      return this.fail(job, owner, persisted, errorMessage(error));
    } finally {
      clearInterval(timer);
      await writes;
    }
  }

  private async fail(job: JobEntity, owner: string, processed: number, message: string): Promise<Outcome> {
    const ok = await this.repository.finish(job.id, owner, 'failed', {
      processed,
      error: message,
      now: this.clock.now(),
    });
    if (!ok) return 'lost';
    this.metrics.finished('failed');
    this.logger.warn({ event: 'job_failed', job_id: job.id, owner, error: message });
    return 'failed';
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
