import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { job } from '../shared/testing/jobs';
import { JOBS_POLL_MS, JobsStore } from './jobs.store';

describe('JobsStore', () => {
  let http: HttpTestingController;
  let store: JobsStore;

  beforeEach(() => {
    jest.useFakeTimers();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        JobsStore,
        { provide: JOBS_POLL_MS, useValue: 1000 },
      ],
    });
    http = TestBed.inject(HttpTestingController);
    store = TestBed.inject(JobsStore);
  });

  afterEach(() => {
    http.verify();
    jest.useRealTimers();
  });

  it('polls while a job is active and stops once every job is finished', () => {
    store.refresh();
    jest.advanceTimersByTime(0);
    http.expectOne('/video/jobs').flush({ jobs: [job('a', 'queued')] });
    expect(store.jobs().map((j) => j.status)).toEqual(['queued']);
    expect(store.polling()).toBe(true);

    jest.advanceTimersByTime(1000);
    http.expectOne('/video/jobs').flush({ jobs: [job('a', 'running', 40)] });
    expect(store.jobs()[0]?.progress.percent).toBe(40);

    jest.advanceTimersByTime(1000);
    http.expectOne('/video/jobs').flush({ jobs: [job('a', 'completed', 100)] });
    expect(store.polling()).toBe(false);

    jest.advanceTimersByTime(10_000);
    http.expectNone('/video/jobs');
  });

  it('keeps polling through a failed request and reports it', () => {
    store.refresh();
    jest.advanceTimersByTime(0);
    http.expectOne('/video/jobs').flush(null, { status: 502, statusText: 'Bad Gateway' });
    expect(store.loadFailed()).toBe(true);
    jest.advanceTimersByTime(1000);
    http.expectOne('/video/jobs').flush({ jobs: [] });
    expect(store.loadFailed()).toBe(false);
    jest.advanceTimersByTime(5000);
    http.expectNone('/video/jobs');
  });

  it('cancels an active job and keeps it listed with its new status', () => {
    store.refresh();
    jest.advanceTimersByTime(0);
    http.expectOne('/video/jobs').flush({ jobs: [job('a', 'running', 30)] });
    store.cancel('a');
    const del = http.expectOne('/video/jobs/a');
    expect(del.request.method).toBe('DELETE');
    del.flush(job('a', 'cancelled', 30));
    expect(store.jobs().map((j) => j.status)).toEqual(['cancelled']);
    jest.advanceTimersByTime(0);
    http.expectOne('/video/jobs').flush({ jobs: [job('a', 'cancelled', 30)] });
    expect(store.polling()).toBe(false);
  });

  it('removes a job at once and refreshes after the server answered', () => {
    store.refresh();
    jest.advanceTimersByTime(0);
    http.expectOne('/video/jobs').flush({ jobs: [job('a', 'completed'), job('b', 'failed')] });
    store.remove('a');
    expect(store.jobs().map((j) => j.job_id)).toEqual(['b']);
    const del = http.expectOne('/video/jobs/a');
    expect(del.request.method).toBe('DELETE');
    del.flush(null, { status: 204, statusText: 'No Content' });
    jest.advanceTimersByTime(0);
    http.expectOne('/video/jobs').flush({ jobs: [job('b', 'failed')] });
    expect(store.jobs()).toHaveLength(1);
  });
});
