import { type JobStatus, type JobStatusResponse } from '@forgesyte/contracts';

/** A job row as the server lists it. */
export function job(id: string, status: JobStatus, percent = 0): JobStatusResponse {
  return {
    job_id: id,
    status,
    pipeline_id: 'yolo',
    progress: { frames_processed: percent, frames_total: 100, percent },
    created_at: '2026-01-01T10:00:00.000Z',
    started_at: null,
    finished_at: null,
  };
}
