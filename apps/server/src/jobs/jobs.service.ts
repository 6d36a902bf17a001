import { access, open, readdir, rm, stat } from 'node:fs/promises';
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
  PipelineResult,
} from '@forgesyte/contracts';
import { ApiError } from '../common/http-error';
import { InjectConfig, type AppConfig } from '../config/config';
import { PipelineService } from '../pipeline/pipeline.service';
import { resolveFfmpeg } from './ffmpeg-path';
import type { JobEntity } from './job.entity';
import { JobsRepository } from './jobs.repository';
import { JobsWorker } from './jobs.worker';
import { hasFtypBox, NotAVideoError, probeVideo, readHead } from './video-probe';
import { errorMessage } from '../common/error-message';

export interface SubmittedUpload {
  id: string;
  path: string;
  originalName: string | null;
}

const HOUR_MS = 3_600_000;
const RETENTION_BATCH = 100;
const ORPHAN_AGE_MS = HOUR_MS;

/** Job lifecycle as the API sees it; the worker does the processing. */
@Injectable()
export class JobsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private retentionTimer: NodeJS.Timeout | null = null;
  private readonly ffmpeg: string;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly repository: JobsRepository,
    private readonly worker: JobsWorker,
    private readonly pipeline: PipelineService,
  ) {
    this.ffmpeg = resolveFfmpeg(config);
  }

  /** Checks the pipeline and the bytes, flushes the upload to disk, then queues the job. */
  async submit(upload: SubmittedUpload, pipelineId: string, fps: number | null): Promise<string> {
    if (!this.pipeline.isValidPipeline(pipelineId)) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'invalid_pipeline', `unknown pipeline ${pipelineId}`);
    }
    await this.checkVideo(upload.path);
    const file = await open(upload.path, 'r+');
    try {
      await file.sync();
    } finally {
      await file.close();
    }
    await this.repository.insert({
      id: upload.id,
      pipelineId,
      fps,
      filePath: upload.path,
      originalName: upload.originalName,
      createdAt: Date.now(),
    });
    this.logger.log({ event: 'job_submitted', job_id: upload.id, pipeline_id: pipelineId, fps });
    this.worker.wake();
    return upload.id;
  }

  /** Judges the bytes, never the Content-Type: an MP4/MOV box header, then what ffmpeg can open. */
  private async checkVideo(path: string): Promise<void> {
    const container = hasFtypBox(await readHead(path)) ? 'an MP4/MOV container' : 'the file';
    try {
      await probeVideo(this.ffmpeg, path);
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
    return job ? toStatus(job) : null;
  }

  /** The uploaded file of a job, while it is kept (cancelled jobs and expired ones lose it). */
  async videoFile(id: string): Promise<string | null> {
    const job = await this.repository.find(id);
    if (!job) return null;
    try {
      await access(job.filePath);
      return job.filePath;
    } catch {
      return null;
    }
  }

  async list(status: JobStatus | undefined, offset: number, limit: number): Promise<JobListResponse> {
    const jobs = await this.repository.list(status, offset, limit);
    return { jobs: jobs.map(toStatus) };
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
      frames: rows.map((r) => ({
        frame_index: r.frameIndex,
        timestamp_ms: r.timestampMs,
        result: JSON.parse(r.result) as PipelineResult,
      })),
    };
  }

  /**
   * A queued or running job becomes `cancelled` (kept so pollers learn why it stopped); a
   * finished one is removed. Either way its file and results are deleted.
   */
  async remove(id: string): Promise<'cancelled' | 'deleted' | null> {
    const job = await this.repository.find(id);
    if (!job) return null;
    const cancelled = await this.repository.cancel(id, Date.now());
    if (cancelled) {
      this.worker.abort(id, 'cancelled');
      await this.repository.deleteResults(id);
    } else {
      await this.repository.remove([id]);
    }
    await rm(job.filePath, { force: true });
    this.logger.log({ event: cancelled ? 'job_cancelled' : 'job_deleted', job_id: id });
    return cancelled ? 'cancelled' : 'deleted';
  }

  /** Removes finished jobs older than JOBS_RETENTION_HOURS with their files and results. */
  async sweep(now = Date.now()): Promise<number> {
    const cutoff = now - this.config.JOBS_RETENTION_HOURS * HOUR_MS;
    let removed = 0;
    for (;;) {
      const expired = await this.repository.finishedBefore(cutoff, RETENTION_BATCH);
      if (expired.length === 0) break;
      await Promise.all(expired.map((job) => rm(job.filePath, { force: true })));
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
    const dir = uploadsDir(this.config);
    const names = await readdir(dir).catch(() => [] as string[]);
    const old: string[] = [];
    for (const name of names) {
      const path = join(dir, name);
      const info = await stat(path).catch(() => null);
      if (info?.isFile() && now - info.mtimeMs >= ORPHAN_AGE_MS) old.push(path);
    }
    const owned = await this.repository.ownedFiles(old);
    const orphans = old.filter((path) => !owned.has(path));
    await Promise.all(orphans.map((path) => rm(path, { force: true })));
    if (orphans.length > 0) this.logger.warn({ event: 'orphan_uploads_removed', count: orphans.length });
  }

  onApplicationBootstrap(): void {
    this.repository
      .ready()
      .then(() => this.sweep())
      .catch(() => undefined /* the periodic sweep retries and logs */);
    // Sweep often enough that nothing outlives its retention by more than a tenth of it.
    const every = Math.min(HOUR_MS, Math.max(1000, (this.config.JOBS_RETENTION_HOURS * HOUR_MS) / 10));
    this.retentionTimer = setInterval(() => {
      this.sweep().catch((error: unknown) =>
        this.logger.warn({
          event: 'jobs_retention_failed',
          error: errorMessage(error),
        }),
      );
    }, every);
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

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function toStatus(job: JobEntity): JobStatusResponse {
  const total = job.framesTotal ?? 0;
  const processed = job.framesProcessed;
  const body: JobStatusResponse = {
    job_id: job.id,
    status: job.status,
    pipeline_id: job.pipelineId,
    progress: {
      frames_processed: processed,
      frames_total: total,
      percent:
        total > 0 ? Math.min(100, Math.round((processed / total) * 1000) / 10) : job.status === 'completed' ? 100 : 0,
    },
    created_at: iso(job.createdAt) ?? '',
    started_at: iso(job.startedAt),
    finished_at: iso(job.finishedAt),
  };
  if (job.error) body.error = job.error;
  return body;
}
