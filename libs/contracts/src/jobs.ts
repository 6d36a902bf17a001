import type { PipelineResult } from './pipeline';

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
