import { join, resolve } from 'node:path';
import {
  HttpStatus,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type {
  JobListResponse,
  JobResultsResponse,
  JobStatus,
  JobStatusResponse,
  JobSubmitRequest,
} from '@forgesyte/contracts';
import { Clock } from '../common/clock';
import { ApiError } from '../common/http-error';
import { InjectConfig, type AppConfig } from '../config/config';
import { PipelineService } from '../pipeline/pipeline.service';
import { checkedGeometry } from '../pipeline/scene-geometry';
import { mapJobFrame, mapJobStatus } from './jobs.dto';
import { JobsRepository } from './jobs.repository';
import { JobsWorker } from './jobs.worker';
import { MediaProvider } from './media.provider';
import { StorageProvider } from './storage.provider';
import { hasFtypBox, NotAVideoError, videoTooLarge } from './video-probe';
import { errorMessage } from '../common/error-message';

export interface SubmittedUpload {
  id: string;
  path: string;
  originalName: string | null;
}

const HOUR_MS = 3_600_000;
const RETENTION_BATCH = 100;
const ORPHAN_AGE_MS = HOUR_MS;
/** The database lease that picks the one process of a deployment that runs the retention sweep. */
export const RETENTION_LEASE = 'jobs_retention';

/** Job lifecycle as the API sees it; the worker does the processing. */
@Injectable()
export class JobsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private retentionTimer: NodeJS.Timeout | null = null;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly repository: JobsRepository,
    private readonly worker: JobsWorker,
    private readonly pipeline: PipelineService,
    private readonly media: MediaProvider,
    private readonly storage: StorageProvider,
    private readonly clock: Clock,
  ) {}

  /** Checks the pipeline and the bytes, flushes the upload to disk, then queues the job. */
  async submit(upload: SubmittedUpload, request: JobSubmitRequest): Promise<string> {
    const pipelineId = request.pipeline_id;
    const fps = request.fps ?? null;
    if (!this.pipeline.isValidPipeline(pipelineId)) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'invalid_pipeline', `unknown pipeline ${pipelineId}`);
    }
    const sceneGeometry = checkedGeometry(this.pipeline, pipelineId, { lines: request.lines, zones: request.zones });
    await this.checkVideo(upload.path, fps);
    await this.storage.sync(upload.path);
    await this.repository.insert({
      id: upload.id,
      pipelineId,
      fps,
      filePath: upload.path,
      originalName: upload.originalName,
      createdAt: this.clock.now(),
      sceneGeometry,
    });
    this.logger.log({ event: 'job_submitted', job_id: upload.id, pipeline_id: pipelineId, fps });
    this.worker.wake();
    return upload.id;
  }

  /**
   * Judges the bytes, never the Content-Type: an MP4/MOV box header, then what ffmpeg can open, then whether what
   * the header claims (frame size, frames the selection would yield) is within JOBS_MAX_VIDEO_PIXELS and
   * JOBS_MAX_FRAMES. Only headers are read, so a hostile file costs milliseconds here instead of a worker's hours.
   */
  private async checkVideo(path: string, fps: number | null): Promise<void> {
    const container = hasFtypBox(await this.storage.readHead(path, 16)) ? 'an MP4/MOV container' : 'the file';
    try {
      const info = await this.media.probe(path);
      const tooLarge = videoTooLarge(info, fps, this.config);
      if (tooLarge) throw new ApiError(HttpStatus.UNPROCESSABLE_ENTITY, 'video_too_large', tooLarge);
    } catch (error) {
      if (!(error instanceof NotAVideoError)) throw error;
      throw new ApiError(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        'unsupported_media_type',
        `${container} is not a decodable video: ${error.message}`,
      );
    }
  }

  async status(id: string): Promise<JobStatusResponse | null> {
    const job = await this.repository.find(id);
    return job ? mapJobStatus(job) : null;
  }

  /** The uploaded file of a job, while it is kept (cancelled jobs and expired ones lose it). */
  async videoFile(id: string): Promise<string | null> {
    const job = await this.repository.find(id);
    if (!job) return null;
    return (await this.storage.exists(job.filePath)) ? job.filePath : null;
  }

  async list(status: JobStatus | undefined, offset: number, limit: number): Promise<JobListResponse> {
    const jobs = await this.repository.list(status, offset, limit);
    return { jobs: jobs.map(mapJobStatus) };
  }

  async results(id: string, offset: number, limit: number): Promise<JobResultsResponse | null> {
    const job = await this.repository.find(id);
    if (!job) return null;
    const [total, rows] = await Promise.all([
      this.repository.countResults(id),
      this.repository.results(id, offset, limit),
    ]);
    return {
      job_id: id,
      status: job.status,
      total,
      offset,
      limit,
      frames: rows.map(mapJobFrame),
    };
  }

  /**
   * A queued or running job becomes `cancelled` (kept so pollers learn why it stopped); a
   * finished one is removed. Either way its file and results are deleted.
   */
  async remove(id: string): Promise<'cancelled' | 'deleted' | null> {
    const job = await this.repository.find(id);
    if (!job) return null;
    const cancelled = await this.repository.cancel(id, this.clock.now());
    if (cancelled) {
      this.worker.abort(id, 'cancelled');
      await this.repository.deleteResults(id);
    } else {
      await this.repository.remove([id]);
    }
    await this.storage.remove(job.filePath);
    this.logger.log({ event: cancelled ? 'job_cancelled' : 'job_deleted', job_id: id });
    return cancelled ? 'cancelled' : 'deleted';
  }

  /** Removes finished jobs older than JOBS_RETENTION_HOURS with their files and results. */
  async sweep(now = this.clock.now()): Promise<number> {
    const cutoff = now - this.config.JOBS_RETENTION_HOURS * HOUR_MS;
    let removed = 0;
    for (;;) {
      const expired = await this.repository.finishedBefore(cutoff, RETENTION_BATCH);
      if (expired.length === 0) break;
      await Promise.all(expired.map((job) => this.storage.remove(job.filePath)));
      await this.repository.remove(expired.map((job) => job.id));
      removed += expired.length;
      if (expired.length < RETENTION_BATCH) break;
    }
    if (removed > 0) this.logger.log({ event: 'jobs_expired', count: removed });
    await this.sweepOrphanUploads(now);
    return removed;
  }

  /**
   * Removes uploads no job owns: a crash between the upload's write and the job's insert leaves one behind. Only
   * files untouched for ORPHAN_AGE_MS go, so an upload still arriving (its job not inserted yet) is never taken.
   */
  private async sweepOrphanUploads(now: number): Promise<void> {
    const files = await this.storage.listFiles(uploadsDir(this.config));
    const old = files.filter((file) => now - file.mtimeMs >= ORPHAN_AGE_MS).map((file) => file.path);
    const owned = await this.repository.ownedFiles(old);
    const orphans = old.filter((path) => !owned.has(path));
    await Promise.all(orphans.map((path) => this.storage.remove(path)));
    if (orphans.length > 0) this.logger.warn({ event: 'orphan_uploads_removed', count: orphans.length });
  }

  /** Sweep often enough that nothing outlives its retention by more than a tenth of it. */
  private get sweepEveryMs(): number {
    return Math.min(HOUR_MS, Math.max(1000, (this.config.JOBS_RETENTION_HOURS * HOUR_MS) / 10));
  }

  /**
   * Runs the sweep when this process holds the retention lease: every server and worker process
   * asks, one sweeps. The lease outlives two periods, so a holder that stops is replaced within three.
   */
  async sweepIfLeaseHolder(now = this.clock.now()): Promise<number | null> {
    const held = await this.repository.holdLease(RETENTION_LEASE, this.worker.owner, now, 2 * this.sweepEveryMs + 1000);
    return held ? this.sweep(now) : null;
  }

  onApplicationBootstrap(): void {
    this.repository
      .ready()
      .then(() => this.sweepIfLeaseHolder())
      .catch(() => undefined /* the periodic sweep retries and logs */);
    this.retentionTimer = setInterval(() => {
      this.sweepIfLeaseHolder().catch((error: unknown) =>
        this.logger.warn({
          event: 'jobs_retention_failed',
          error: errorMessage(error),
        }),
      );
    }, this.sweepEveryMs);
    this.retentionTimer.unref();
  }

  onApplicationShutdown(): void {
    if (this.retentionTimer) clearInterval(this.retentionTimer);
  }
}

/** Where uploads stream to, under their future job id (multer's destination, and what the orphan sweep reads). */
export function uploadsDir(config: Pick<AppConfig, 'DATA_DIR'>): string {
  return join(resolve(config.DATA_DIR), 'uploads');
}
