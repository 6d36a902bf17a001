import { DestroyRef, Injectable, InjectionToken, computed, inject, signal } from '@angular/core';
import { type JobStatus, type JobStatusResponse } from '@forgesyte/contracts';
import { Subject, catchError, of, switchMap, takeWhile, timer } from 'rxjs';
import { JobsApiService } from './jobs-api.service';

/** How often the list is refreshed while a job is queued or running. */
export const JOBS_POLL_MS = new InjectionToken<number>('JOBS_POLL_MS', { providedIn: 'root', factory: () => 1500 });

const ACTIVE: readonly JobStatus[] = ['queued', 'running'];

export function isActive(job: JobStatusResponse): boolean {
  return ACTIVE.includes(job.status);
}

/**
 * The job list as a signal. Polls while any job is active and stops when all are finished, so an
 * idle page makes no requests; any change (upload, delete) starts a new round.
 */
@Injectable()
export class JobsStore {
  private readonly api = inject(JobsApiService);
  private readonly pollMs = inject(JOBS_POLL_MS);
  private readonly refresh$ = new Subject<void>();

  readonly jobs = signal<JobStatusResponse[]>([]);
  readonly loadFailed = signal(false);
  readonly polling = computed(() => this.jobs().some(isActive));

  constructor() {
    const subscription = this.refresh$
      .pipe(
        switchMap(() =>
          timer(0, this.pollMs).pipe(
            switchMap(() =>
              this.api.list().pipe(
                catchError(() => {
                  this.loadFailed.set(true);
                  return of(null);
                }),
              ),
            ),
            // A failed request keeps polling: the server may come back.
            takeWhile((jobs) => jobs === null || jobs.some(isActive), true),
          ),
        ),
      )
      .subscribe((jobs) => {
        if (jobs === null) return;
        this.loadFailed.set(false);
        this.jobs.set(jobs);
      });
    inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
  }

  refresh(): void {
    this.refresh$.next();
  }

  /** DELETE on a queued or running job cancels it; it stays listed as cancelled. */
  cancel(jobId: string): void {
    this.api.remove(jobId).subscribe({
      next: (job) => {
        if (job) this.jobs.update((jobs) => jobs.map((j) => (j.job_id === jobId ? job : j)));
      },
      complete: () => this.refresh(),
      error: () => this.refresh(),
    });
  }

  /** DELETE on a finished job removes it with its files and results. */
  remove(jobId: string): void {
    // Shown gone at once; the refresh corrects it if the server refused.
    this.jobs.update((jobs) => jobs.filter((j) => j.job_id !== jobId));
    this.api.remove(jobId).subscribe({ complete: () => this.refresh(), error: () => this.refresh() });
  }
}
