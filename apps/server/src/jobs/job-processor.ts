import { Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { InjectConfig, type AppConfig } from '../config/config';
import { PipelineService } from '../pipeline/pipeline.service';
import type { JobEntity } from './job.entity';
import { JobsRepository, type StoredFrame } from './jobs.repository';
import { resolveFfmpeg } from './ffmpeg-path';
import { decodeRgbFrames } from './video-decoder';
import { countFrames, fitInside, probeVideo } from './video-probe';
import { errorMessage } from '../common/error-message';

/** Why processing stopped before the end. */
export type StopReason = 'shutdown' | 'cancelled' | 'lost';
export type Outcome = 'completed' | 'failed' | StopReason;

/** Frames handed to the pipeline at once: one decoding/pre-processing while the other infers. */
const IN_FLIGHT = 2;
/** Progress and the lease are written at this period (the issue asks for at least once a second). */
export const HEARTBEAT_MS = 1000;

export const FRAMES_METRIC = 'forgesyte_job_frames_processed_total';
export const FINISHED_METRIC = 'forgesyte_jobs_finished_total';

/** Runs one claimed job from its current state to an end, writing results idempotently. */
@Injectable()
export class JobProcessor {
  private readonly logger = new Logger('Jobs');
  private readonly ffmpeg: string;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly repository: JobsRepository,
    private readonly pipeline: PipelineService,
    @InjectMetric(FRAMES_METRIC) private readonly framesCounter: Counter<string>,
    @InjectMetric(FINISHED_METRIC) private readonly finishedCounter: Counter<string>,
  ) {
    this.ffmpeg = resolveFfmpeg(config);
  }

  async process(job: JobEntity, owner: string, stop: AbortController): Promise<Outcome> {
    const leaseMs = this.config.JOBS_LEASE_S * 1000;
    const pending: StoredFrame[] = [];
    let persisted = 0;
    let writes: Promise<void> = Promise.resolve();
    let writeError: unknown = null;

    const flush = (): Promise<void> => {
      writes = writes.then(async () => {
        if (writeError !== null) return;
        const batch = pending.splice(0);
        try {
          await this.repository.saveResults(job.id, batch);
          persisted += batch.length;
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
        .heartbeat(job.id, owner, persisted, Date.now(), leaseMs)
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
      const info = await probeVideo(this.ffmpeg, job.filePath);
      let total = job.framesTotal;
      if (total === null) {
        total = await countFrames(this.ffmpeg, job.filePath, job.fps, stop.signal);
        if (!(await this.repository.setTotal(job.id, owner, total))) stop.abort('lost');
      }
      const done = await this.repository.doneIndices(job.id);
      persisted = done.size;
      const size = fitInside(info, this.pipeline.inputSize(job.pipelineId));
      const originalSize = { width: info.width, height: info.height };
      const rate = job.fps ?? info.fps;
      this.logger.log({ event: 'job_processing', job_id: job.id, owner, frames_total: total, resumed_from: done.size });

      const inFlight = new Set<Promise<void>>();
      let failure: unknown = null;
      let index = 0;
      for await (const data of decodeRgbFrames(this.ffmpeg, job.filePath, job.fps, size)) {
        if (stop.signal.aborted || failure !== null) break;
        const frameIndex = index++;
        if (done.has(frameIndex)) continue;
        const timestampMs = rate ? Math.round((frameIndex * 1000) / rate) : 0;
        const task = this.pipeline
          .runOnRaw(job.pipelineId, frameIndex, { data, ...size }, { priority: 'job', originalSize })
          .then(
            (result) => {
              pending.push({ frameIndex, timestampMs, result: JSON.stringify(result) });
              this.framesCounter.inc();
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

      if (stop.signal.aborted) return stop.signal.reason as StopReason;
      if (writeError !== null) throw asError(writeError);
      if (failure !== null) {
        return await this.fail(job, owner, persisted, `pipeline failed: ${errorMessage(failure)}`);
      }
      const stored = await this.repository.countResults(job.id);
      // The decode pass is the truth if it ever disagrees with the counting pass.
      const ok = await this.repository.finish(job.id, owner, 'completed', {
        processed: stored,
        total: index,
        now: Date.now(),
      });
      if (!ok) return 'lost';
      this.finishedCounter.inc({ status: 'completed' });
      this.logger.log({ event: 'job_completed', job_id: job.id, owner, frames: stored });
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
    const ok = await this.repository.finish(job.id, owner, 'failed', { processed, error: message, now: Date.now() });
    if (!ok) return 'lost';
    this.finishedCounter.inc({ status: 'failed' });
    this.logger.warn({ event: 'job_failed', job_id: job.id, owner, error: message });
    return 'failed';
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
