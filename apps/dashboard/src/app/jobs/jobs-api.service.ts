import { HttpClient, HttpEventType, type HttpEvent } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import {
  type JobFrameResult,
  type JobListResponse,
  type JobResultsResponse,
  type JobStatusResponse,
  type JobSubmitRequest,
  type JobSubmitResponse,
} from '@forgesyte/contracts';
import { EMPTY, type Observable, expand, filter, map, reduce } from 'rxjs';
import { ApiKeyService } from '../shared/api-key.service';

export type UploadEvent = { kind: 'progress'; percent: number } | { kind: 'done'; jobId: string };

const RESULTS_PAGE = 500;

/** The jobs REST API (unversioned routes; the /v1 ones are deprecated). */
@Injectable({ providedIn: 'root' })
export class JobsApiService {
  private readonly http = inject(HttpClient);
  private readonly keys = inject(ApiKeyService);

  list(): Observable<JobStatusResponse[]> {
    return this.http.get<JobListResponse>('/video/jobs').pipe(map((body) => body.jobs));
  }

  status(jobId: string): Observable<JobStatusResponse> {
    return this.http.get<JobStatusResponse>(`/video/status/${encodeURIComponent(jobId)}`);
  }

  /** Multipart upload with progress; the file streams from disk, never read whole into memory. */
  submit(
    file: File,
    pipelineId: string,
    fps: number | null,
    scene: Pick<JobSubmitRequest, 'lines' | 'zones'> = {},
  ): Observable<UploadEvent> {
    const fields: JobSubmitRequest = { pipeline_id: pipelineId, ...(fps !== null ? { fps } : {}), ...scene };
    const form = new FormData();
    form.append('pipeline_id', fields.pipeline_id);
    if (fields.fps !== undefined) form.append('fps', String(fields.fps));
    if (fields.lines) form.append('lines', fields.lines);
    if (fields.zones) form.append('zones', fields.zones);
    // Last, so the server knows the pipeline and rate before the bytes arrive.
    form.append('file', file, file.name);
    return this.http.post<JobSubmitResponse>('/video/submit', form, { reportProgress: true, observe: 'events' }).pipe(
      map((event: HttpEvent<JobSubmitResponse>): UploadEvent | null => {
        if (event.type === HttpEventType.UploadProgress) {
          const total = event.total ?? file.size;
          return { kind: 'progress', percent: total > 0 ? Math.min(100, (100 * event.loaded) / total) : 0 };
        }
        if (event.type === HttpEventType.Response && event.body) return { kind: 'done', jobId: event.body.job_id };
        return null;
      }),
      filter((event): event is UploadEvent => event !== null),
    );
  }

  /**
   * One route for both: a queued or running job is cancelled (200 with its new status), a
   * finished one is deleted with its files and results (204, no body).
   */
  remove(jobId: string): Observable<JobStatusResponse | null> {
    return this.http.delete<JobStatusResponse | null>(`/video/jobs/${encodeURIComponent(jobId)}`);
  }

  /** Every stored frame result, following the pagination to the end. */
  results(jobId: string): Observable<JobFrameResult[]> {
    const page = (offset: number) =>
      this.http.get<JobResultsResponse>(`/video/results/${encodeURIComponent(jobId)}`, {
        params: { offset, limit: RESULTS_PAGE },
      });
    let offset = 0;
    return page(0).pipe(
      expand((body) => {
        offset += body.frames.length;
        return body.frames.length > 0 && offset < body.total ? page(offset) : EMPTY;
      }),
      reduce((all, body) => all.concat(body.frames), [] as JobFrameResult[]),
    );
  }

  /**
   * The uploaded video, served back with range requests so the player can seek. A <video> sends
   * no headers, so the key rides in the URL.
   */
  videoUrl(jobId: string): string {
    return this.keys.withKey(`/video/jobs/${encodeURIComponent(jobId)}/video`);
  }
}
