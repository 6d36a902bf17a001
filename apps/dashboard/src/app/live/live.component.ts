import { DecimalPipe } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  type ElementRef,
  computed,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import { takeUntilDestroyed, toObservable, toSignal } from '@angular/core/rxjs-interop';
import { type PipelineResult, type StreamResultMessage } from '@forgesyte/contracts';
import { EMPTY, catchError, combineLatest, distinctUntilChanged, interval, map, of, switchMap } from 'rxjs';
import { MAX_FPS, MIN_FPS } from '../shared/adaptive-rate';
import { ErrorBannerComponent } from '../shared/error-banner.component';
import { drawOverlay } from '../shared/overlay';
import { PipelinesService, effectivePipeline } from '../shared/pipelines.service';
import { RealtimeClient } from '../shared/realtime-client.service';
import { captureFrame } from './frame-capture';
import { SentFrames } from './sent-frames';
import { StreamPanelComponent } from './stream-panel.component';

export type LiveSource = 'camera' | 'file';

interface DrawnResult {
  frameIndex: number;
  result: PipelineResult;
}

/** Camera or local video in, JPEG frames out over the stream, each answer drawn over its own frame. */
@Component({
  selector: 'fs-live',
  imports: [DecimalPipe, ErrorBannerComponent, StreamPanelComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './live.component.html',
  styleUrl: './live.component.css',
})
export class LiveComponent {
  private readonly client = inject(RealtimeClient);
  private readonly video = viewChild.required<ElementRef<HTMLVideoElement>>('video');
  private readonly display = viewChild.required<ElementRef<HTMLCanvasElement>>('display');
  private readonly captureCanvas = document.createElement('canvas');
  private readonly sent = new SentFrames();
  private capturing = false;
  private mediaStream: MediaStream | null = null;
  private fileUrl: string | null = null;

  protected readonly minFps = MIN_FPS;
  protected readonly maxFps = MAX_FPS;
  protected readonly source = signal<LiveSource>('camera');
  protected readonly file = signal<File | null>(null);
  protected readonly running = signal(false);
  protected readonly targetFps = signal(10);
  protected readonly showPanel = signal(false);
  protected readonly localError = signal<string | null>(null);
  protected readonly drawn = signal<DrawnResult | null>(null);

  private readonly pipelinesLoad = toSignal(
    inject(PipelinesService).pipelines$.pipe(
      map((pipelines) => ({ pipelines, failed: false })),
      catchError(() => of({ pipelines: [], failed: true })),
    ),
  );
  protected readonly pipelines = computed(() => this.pipelinesLoad()?.pipelines ?? []);
  protected readonly pipelinesFailed = computed(() => this.pipelinesLoad()?.failed ?? false);
  private readonly chosenPipeline = signal<string | null>(null);
  protected readonly pipelineId = computed(() => effectivePipeline(this.pipelines(), this.chosenPipeline()));

  protected readonly connection = toSignal(this.client.state$, { initialValue: this.client.state });
  protected readonly rate = toSignal(this.client.rate$, { initialValue: this.client.rate });
  protected readonly stats = toSignal(this.client.stats$(500), { requireSync: true });
  protected readonly canStart = computed(
    () => this.pipelineId() !== null && (this.source() === 'camera' || this.file() !== null),
  );
  protected readonly streamError = computed(() => {
    const state = this.connection();
    return this.running() && state.error && state.status !== 'open' ? state : null;
  });
  protected readonly drawnItems = computed(() => {
    const drawn = this.drawn();
    if (!drawn) return [];
    return [
      ...drawn.result.detections.map((d) => ({ kind: 'detection', label: d.label, score: d.score, text: '' })),
      ...drawn.result.texts.map((t) => ({ kind: 'text', label: 'text', score: t.score, text: t.text })),
    ];
  });

  constructor() {
    const destroyRef = inject(DestroyRef);
    combineLatest([toObservable(this.running), this.client.rate$])
      .pipe(
        switchMap(([running, rate]) => (running ? interval(Math.round(1000 / rate.fps)) : EMPTY)),
        takeUntilDestroyed(),
      )
      .subscribe(() => void this.captureAndSend());
    this.client.results$.pipe(takeUntilDestroyed()).subscribe((message) => this.onResult(message));
    this.client.dropped$.pipe(takeUntilDestroyed()).subscribe((message) => this.sent.discard(message.frame_index));
    // A new connection numbers frames from the start again: older pictures can never be answered.
    this.client.state$
      .pipe(
        map((s) => s.status),
        distinctUntilChanged(),
        takeUntilDestroyed(),
      )
      .subscribe((status) => {
        if (status !== 'open') this.sent.clear();
      });
    destroyRef.onDestroy(() => this.stop());
  }

  protected chooseSource(source: LiveSource): void {
    if (this.running()) this.stop();
    this.source.set(source);
  }

  protected chooseFile(input: HTMLInputElement): void {
    if (this.running()) this.stop();
    this.file.set(input.files?.[0] ?? null);
  }

  protected choosePipeline(id: string): void {
    this.chosenPipeline.set(id);
    if (this.running()) this.client.connect(id);
  }

  protected chooseFps(value: string): void {
    const fps = Math.min(MAX_FPS, Math.max(MIN_FPS, Math.round(Number(value)) || 10));
    this.targetFps.set(fps);
    this.client.setTargetFps(fps);
  }

  protected togglePanel(): void {
    this.showPanel.update((shown) => !shown);
  }

  protected retry(): void {
    this.client.retry();
  }

  protected async start(): Promise<void> {
    const pipelineId = this.pipelineId();
    if (!pipelineId || this.running()) return;
    this.localError.set(null);
    const video = this.video().nativeElement;
    try {
      if (this.source() === 'camera') {
        this.mediaStream = await navigator.mediaDevices.getUserMedia({
          video: { width: { ideal: 640 }, height: { ideal: 480 } },
          audio: false,
        });
        video.srcObject = this.mediaStream;
      } else {
        const file = this.file();
        if (!file) return;
        this.fileUrl = URL.createObjectURL(file);
        video.src = this.fileUrl;
      }
      await video.play();
    } catch (error) {
      this.releaseSource();
      this.localError.set(sourceErrorSentence(this.source(), error));
      return;
    }
    this.client.setTargetFps(this.targetFps());
    this.client.connect(pipelineId);
    this.running.set(true);
  }

  protected stop(): void {
    this.running.set(false);
    this.client.disconnect();
    this.sent.clear();
    this.releaseSource();
  }

  private releaseSource(): void {
    const video = this.video().nativeElement;
    video.pause();
    video.srcObject = null;
    video.removeAttribute('src');
    this.mediaStream?.getTracks().forEach((track) => track.stop());
    this.mediaStream = null;
    if (this.fileUrl) URL.revokeObjectURL(this.fileUrl);
    this.fileUrl = null;
  }

  private async captureAndSend(): Promise<void> {
    // A slow encode must not stack up captures: skip the tick instead.
    if (this.capturing || this.connection().status !== 'open') return;
    this.capturing = true;
    try {
      const frame = await captureFrame(this.video().nativeElement, this.captureCanvas, this.rate().scale);
      if (!frame) return;
      const frameIndex = this.client.sendFrame(frame.jpeg);
      if (frameIndex === null) frame.bitmap.close();
      else this.sent.add(frameIndex, frame);
    } finally {
      this.capturing = false;
    }
  }

  private onResult(message: StreamResultMessage): void {
    const frame = this.sent.takeForResult(message.frame_index);
    if (!frame) return;
    const canvas = this.display().nativeElement;
    canvas.width = frame.width;
    canvas.height = frame.height;
    const ctx = canvas.getContext('2d');
    if (ctx) {
      ctx.drawImage(frame.bitmap, 0, 0);
      drawOverlay(ctx, message.result, {
        frameIndex: message.frame_index,
        scaleX: frame.width / message.result.image.width,
        scaleY: frame.height / message.result.image.height,
      });
    }
    frame.bitmap.close();
    this.drawn.set({ frameIndex: message.frame_index, result: message.result });
  }
}

function sourceErrorSentence(source: LiveSource, error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (source === 'camera') {
    if (name === 'NotAllowedError')
      return 'Camera access was refused. Allow the camera for this page, or stream a video file.';
    if (name === 'NotFoundError') return 'No camera was found. Connect one, or stream a video file.';
    return 'The camera could not be started. Check that no other program holds it, or stream a video file.';
  }
  return 'The browser cannot play this video file. Choose an MP4 or WebM file.';
}
