import type { PipelineResult } from './pipeline';
import type { LineCount } from './scene';

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface JobSubmitResponse {
  job_id: string;
}

export interface JobProgress {
  frames_processed: number;
  frames_total: number;
  percent: number;
}

export interface JobStatusResponse {
  job_id: string;
  status: JobStatus;
  pipeline_id: string;
  progress: JobProgress;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error?: string;
  /** Jobs with lines: the cumulative counts so far (while running, and final once finished). */
  lines?: LineCount[];
}

export interface JobFrameResult {
  frame_index: number;
  timestamp_ms: number;
  result: PipelineResult;
}

export interface JobResultsResponse {
  job_id: string;
  status: JobStatus;
  total: number;
  offset: number;
  limit: number;
  frames: JobFrameResult[];
}

export interface JobListResponse {
  jobs: JobStatusResponse[];
}

/** Multipart fields of `POST /video/submit` besides the `file` part (the video itself). */
export interface JobSubmitRequest {
  /** Pipeline to run on every selected frame (see `GET /pipelines`). */
  pipeline_id: string;
  /** Frames per second to sample; omitted: every frame. */
  fps?: number;
  /** Tracking pipelines: counting lines, JSON text of `LineSpec[]`. */
  lines?: string;
  /** Tracking pipelines: zones, JSON text of `ZoneSpec[]`. */
  zones?: string;
}
