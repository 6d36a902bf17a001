import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { type JobFrameResult } from '@forgesyte/contracts';
import { job } from '../shared/testing/jobs';
import { type RecordedCall, recordingContext } from '../shared/testing/recording-context';
import { JobViewerComponent } from './job-viewer.component';

function frame(frame_index: number, labels: string[]): JobFrameResult {
  return {
    frame_index,
    timestamp_ms: frame_index * 100,
    result: {
      image: { width: 768, height: 432 },
      detections: labels.map((label) => ({ label, class_id: 0, score: 0.8, box: { x1: 0, y1: 0, x2: 10, y2: 10 } })),
      texts: [],
      timings_ms: { decode: 0, inference: 0, postprocess: 0, total: 0 },
    },
  };
}

describe('JobViewerComponent', () => {
  let fixture: ComponentFixture<JobViewerComponent>;
  let http: HttpTestingController;
  let calls: RecordedCall[];
  const el = () => fixture.nativeElement as HTMLElement;
  const stable = async () => {
    await fixture.whenStable();
    fixture.detectChanges();
  };

  beforeEach(async () => {
    calls = [];
    jest.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(function (this: HTMLCanvasElement) {
      return recordingContext(this, calls).ctx;
    });
    TestBed.configureTestingModule({
      imports: [JobViewerComponent],
      providers: [provideHttpClient(), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(JobViewerComponent);
    fixture.componentRef.setInput('jobId', 'job-1');
    await stable();
  });

  afterEach(() => {
    http.verify();
    jest.restoreAllMocks();
  });

  it('pages through every result, counts classes and plays the served video', async () => {
    expect(el().querySelector<HTMLVideoElement>('[data-testid=job-video]')!.getAttribute('src')).toBe(
      '/video/jobs/job-1/video',
    );
    const first = http.expectOne((r) => r.url === '/video/results/job-1' && r.params.get('offset') === '0');
    expect(first.request.params.get('limit')).toBe('500');
    http.expectOne('/video/status/job-1').flush(job('job-1', 'completed', 100));
    first.flush({
      job_id: 'job-1',
      status: 'completed',
      total: 3,
      offset: 0,
      limit: 2,
      frames: [frame(0, ['person']), frame(1, ['person', 'person'])],
    });
    http
      .expectOne((r) => r.url === '/video/results/job-1' && r.params.get('offset') === '2')
      .flush({ job_id: 'job-1', status: 'completed', total: 3, offset: 2, limit: 2, frames: [frame(2, ['chair'])] });
    await stable();

    expect(el().querySelector('[data-testid=job-viewer]')!.getAttribute('data-state')).toBe('ready');
    expect(el().textContent).toContain('3 sampled frames');
    const rows = [...el().querySelectorAll('[data-testid=class-counts] tbody tr')].map((r) =>
      [...r.children].map((c) => c.textContent.trim()),
    );
    expect(rows).toEqual([
      ['person', '3', '2', '2'],
      ['chair', '1', '1', '1'],
    ]);
    // The playhead starts at 0 s: the overlay is the first sampled frame's.
    expect(el().querySelector('[data-testid=job-overlay]')!.getAttribute('data-frame-index')).toBe('0');
    expect(el().querySelectorAll('[data-testid=job-detections] li')).toHaveLength(1);
    // No video pixels in jsdom: the canvas takes the result's size and the box is drawn 1:1.
    expect(calls.filter((c) => c.method === 'strokeRect').at(-1)?.args).toEqual([0, 0, 10, 10]);
    expect(el().querySelector<HTMLButtonElement>('[data-testid=download-csv]')!.disabled).toBe(false);
    expect(el().querySelector('[data-testid=line-totals]')).toBeNull();
  });

  it('shows the line totals of the job status and the counts over time', async () => {
    const counted = (i: number, doorIn: number): JobFrameResult => {
      const f = frame(i, ['person']);
      return { ...f, result: { ...f.result, lines: [{ id: 'door', in: doorIn, out: 0 }] } };
    };
    http
      .expectOne('/video/status/job-1')
      .flush({ ...job('job-1', 'completed', 100), lines: [{ id: 'door', in: 2, out: 0 }] });
    http
      .expectOne((r) => r.url === '/video/results/job-1')
      .flush({
        job_id: 'job-1',
        status: 'completed',
        total: 4,
        offset: 0,
        limit: 500,
        frames: [counted(0, 0), counted(5, 1), counted(10, 1), counted(15, 2)],
      });
    await stable();
    const totals = el().querySelector('[data-testid=line-totals] tbody tr')!;
    expect([...totals.children].map((c) => c.textContent.trim())).toEqual(['door', '2', '0']);
    const rows = [...el().querySelectorAll('[data-testid=line-timeline] tbody tr')].map((r) =>
      [...r.children].map((c) => c.textContent.trim()),
    );
    expect(rows).toEqual([
      ['0.0 s', '0 / 0'],
      ['0.5 s', '1 / 0'],
      ['1.5 s', '2 / 0'],
    ]);
  });

  it('says so when the results cannot be loaded', async () => {
    http
      .expectOne((r) => r.url === '/video/results/job-1')
      .flush({ error: 'job_not_found', detail: 'x' }, { status: 404, statusText: 'Not Found' });
    http
      .expectOne('/video/status/job-1')
      .flush({ error: 'job_not_found', detail: 'x' }, { status: 404, statusText: 'Not Found' });
    await stable();
    expect(el().querySelector('[role=alert]')!.textContent).toContain('could not be loaded');
    expect(el().querySelector<HTMLButtonElement>('[data-testid=download-json]')!.disabled).toBe(true);
  });
});
