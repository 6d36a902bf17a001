import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import {
  JOB_STATUSES,
  type JobFrameResult,
  type JobListResponse,
  type JobProgress,
  type JobResultsResponse,
  type JobStatus,
  type JobStatusResponse,
  type JobSubmitRequest,
  type JobSubmitResponse,
  type LineCount,
  type PipelineResult,
} from '@forgesyte/contracts';
import type { JobEntity, JobResultEntity } from './job.entity';

/** Lines and zones are small: 32 of each, 256 points a zone at most. */
const GEOMETRY_MAX_CHARS = 64 * 1024;

/** Multipart fields of POST /video/submit (the file itself is checked by its bytes). */
export class SubmitJobDto implements JobSubmitRequest {
  @ApiProperty({ type: 'string', format: 'binary', description: 'The video (MP4, MOV, or anything ffmpeg decodes).' })
  @IsOptional()
  file?: unknown;

  @ApiProperty({ example: 'yolo', description: 'Pipeline to run on every selected frame (see GET /pipelines).' })
  @IsString()
  @Matches(/^[a-z0-9_]{1,64}$/, { message: 'pipeline_id must be a pipeline id such as yolo' })
  pipeline_id!: string;

  @ApiPropertyOptional({
    example: 1,
    minimum: 0.01,
    maximum: 240,
    description: 'Frames per second to sample (ffmpeg fps filter). Omitted: every frame.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'fps must be a number' })
  @Min(0.01)
  @Max(240)
  fps?: number;

  @ApiPropertyOptional({
    example: '[{"id":"door","from":[100,400],"to":[500,400],"classes":["person"]}]',
    description: 'Tracking pipelines: counting lines, JSON (see docs/API.md, Tracking).',
  })
  @IsOptional()
  @IsString({ message: 'lines must be JSON text' })
  @MaxLength(GEOMETRY_MAX_CHARS)
  lines?: string;

  @ApiPropertyOptional({
    example: '[{"id":"bay","points":[[0,0],[200,0],[200,200],[0,200]]}]',
    description: 'Tracking pipelines: zones, JSON (see docs/API.md, Tracking).',
  })
  @IsOptional()
  @IsString({ message: 'zones must be JSON text' })
  @MaxLength(GEOMETRY_MAX_CHARS)
  zones?: string;
}

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class ListJobsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: JOB_STATUSES })
  @IsOptional()
  @IsIn(JOB_STATUSES)
  status?: JobStatus;
}

export class JobSubmitDto implements JobSubmitResponse {
  @ApiProperty({ format: 'uuid' })
  job_id!: string;
}

export class JobProgressDto implements JobProgress {
  @ApiProperty() frames_processed!: number;
  @ApiProperty({ description: 'Known once a worker has counted the selected frames; 0 before.' })
  frames_total!: number;
  @ApiProperty({ minimum: 0, maximum: 100 }) percent!: number;
}

export class JobStatusDto implements JobStatusResponse {
  @ApiProperty({ format: 'uuid' }) job_id!: string;
  @ApiProperty({ enum: JOB_STATUSES }) status!: JobStatus;
  @ApiProperty() pipeline_id!: string;
  @ApiProperty({ type: JobProgressDto }) progress!: JobProgressDto;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) started_at!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finished_at!: string | null;
  @ApiPropertyOptional({ description: 'Why the job failed.' }) error?: string;
  @ApiPropertyOptional({
    description: 'Jobs with lines: cumulative [{id, in, out}] of the frames stored so far, final once finished.',
    type: 'array',
    items: { type: 'object' },
  })
  lines?: LineCount[];
}

export class JobFrameDto implements JobFrameResult {
  @ApiProperty({ description: 'Position among the selected frames, from 0.' }) frame_index!: number;
  @ApiProperty({ description: 'Presentation time of the frame in the video.' }) timestamp_ms!: number;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'PipelineResult (see libs/contracts).' })
  result!: PipelineResult;
}

export class JobResultsDto implements JobResultsResponse {
  @ApiProperty({ format: 'uuid' }) job_id!: string;
  @ApiProperty({ enum: JOB_STATUSES }) status!: JobStatus;
  @ApiProperty({ description: 'Frames stored so far (all selected frames once completed).' }) total!: number;
  @ApiProperty() offset!: number;
  @ApiProperty() limit!: number;
  @ApiProperty({ type: [JobFrameDto] }) frames!: JobFrameDto[];
}

export class JobListDto implements JobListResponse {
  @ApiProperty({ type: [JobStatusDto] }) jobs!: JobStatusDto[];
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** A job as the API shows it: the one mapping from the stored row to the wire. */
export function mapJobStatus(job: JobEntity): JobStatusDto {
  const total = job.framesTotal ?? 0;
  const processed = job.framesProcessed;
  const body: JobStatusDto = {
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
  if (job.lineCounts) body.lines = JSON.parse(job.lineCounts) as LineCount[];
  return body;
}

/** One stored frame result as the API shows it. */
export function mapJobFrame(row: JobResultEntity): JobFrameDto {
  return {
    frame_index: row.frameIndex,
    timestamp_ms: row.timestampMs,
    result: JSON.parse(row.result) as PipelineResult,
  };
}
