import { DecimalPipe } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  afterNextRender,
  computed,
  effect,
  inject,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { type JobFrameResult } from '@forgesyte/contracts';
import { catchError, map, of, startWith, switchMap } from 'rxjs';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { drawOverlay } from '../shared/overlay';
import { JobsApiService } from './jobs-api.service';
import { classCounts, frameAt, lineTimeline, toCsv } from './job-results';

type Load = { state: 'loading' } | { state: 'failed' } | { state: 'ready'; frames: JobFrameResult[] };

const LOADING: Load = { state: 'loading' };

/** The uploaded video with the overlay of the sampled frame under the playhead. */
@Component({
  selector: 'fs-job-viewer',
  imports: [DecimalPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './job-viewer.component.html',
  styleUrl: './job-viewer.component.css',
})
export class JobViewerComponent {
  private readonly api = inject(JobsApiService);
  private readonly video = viewChild.required<ElementRef<HTMLVideoElement>>('video');
  private readonly canvas = viewChild.required<ElementRef<HTMLCanvasElement>>('overlay');
  private frameRequest: number | null = null;

  readonly jobId = input.required<string>();

  private readonly load = toSignal(
    toObservable(this.jobId).pipe(
      switchMap((id) =>
        this.api.results(id).pipe(
          map((frames): Load => ({
            state: 'ready',
            frames: [...frames].sort((a, b) => a.timestamp_ms - b.timestamp_ms),
          })),
          catchError(() => of<Load>({ state: 'failed' })),
          startWith<Load>({ state: 'loading' }),
        ),
      ),
    ),
    { initialValue: LOADING },
  );
  protected readonly state = computed(() => this.load().state);
  protected readonly frames = computed(() => {
    const load = this.load();
    return load.state === 'ready' ? load.frames : [];
  });
  protected readonly counts = computed(() => classCounts(this.frames()));
  /** Tracking jobs with lines: in / out per line against frame time, and the totals the job status reports. */
  protected readonly timeline = computed(() => lineTimeline(this.frames()));
  protected readonly totals = toSignal(
    toObservable(this.jobId).pipe(
      switchMap((id) =>
        this.api.status(id).pipe(
          map((status) => status.lines ?? []),
          catchError(() => of([])),
        ),
      ),
    ),
    { initialValue: [] },
  );
  /** The video's box takes the frames' shape before (or without) its metadata, so overlays line up. */
  protected readonly aspectRatio = computed(() => {
    const image = this.frames()[0]?.result.image;
    return image ? `${image.width} / ${image.height}` : null;
  });
  protected readonly videoUrl = computed(() => this.api.videoUrl(this.jobId()));
  protected readonly current = signal<JobFrameResult | null>(null);
  protected readonly videoFailed = signal(false);

  constructor() {
    // New results (or a new job) redraw the overlay at the current playhead.
    effect(() => {
      this.frames();
      this.redraw();
    });
    // Opened below the upload form and the list: bring the player into view on a laptop screen.
    const host = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
    afterNextRender(() => host.scrollIntoView?.({ block: 'start', behavior: 'smooth' }));
    inject(DestroyRef).onDestroy(() => this.stopLoop());
  }

  protected onPlay(): void {
    this.stopLoop();
    const loop = () => {
      this.redraw();
      this.frameRequest = requestAnimationFrame(loop);
    };
    this.frameRequest = requestAnimationFrame(loop);
  }

  protected onPause(): void {
    this.stopLoop();
    this.redraw();
  }

  protected onVideoError(): void {
    this.videoFailed.set(true);
  }

  protected download(kind: 'json' | 'csv'): void {
    const frames = this.frames();
    const body = kind === 'json' ? JSON.stringify({ job_id: this.jobId(), frames }, null, 2) : toCsv(frames);
    const blob = new Blob([body], { type: kind === 'json' ? 'application/json' : 'text/csv' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `job-${this.jobId()}.${kind}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  /** Draws the overlay of the sampled frame under the playhead, scaled to the video's pixels. */
  protected redraw(): void {
    const video = this.video().nativeElement;
    const canvas = this.canvas().nativeElement;
    const frame = frameAt(this.frames(), video.currentTime * 1000);
    if (frame !== this.current()) this.current.set(frame);
    const width = video.videoWidth || frame?.result.image.width || 0;
    const height = video.videoHeight || frame?.result.image.height || 0;
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!frame || width === 0) return;
    drawOverlay(ctx, frame.result, {
      frameIndex: frame.frame_index,
      scaleX: width / frame.result.image.width,
      scaleY: height / frame.result.image.height,
    });
  }

  private stopLoop(): void {
    if (this.frameRequest !== null) cancelAnimationFrame(this.frameRequest);
    this.frameRequest = null;
  }
}
