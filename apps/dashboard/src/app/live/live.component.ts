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
import { type PipelineResult, type SceneGeometry, type StreamResultMessage, hasGeometry } from '@forgesyte/contracts';
import { EMPTY, catchError, combineLatest, distinctUntilChanged, interval, map, of, switchMap } from 'rxjs';
import { MAX_FPS, MIN_FPS } from '../shared/adaptive-rate';
import { ErrorBannerComponent } from '../shared/error-banner.component';
import { drawOverlay, TrailBook } from '../shared/overlay';
import { PipelinesService, effectivePipeline } from '../shared/pipelines.service';
import { RealtimeClientService } from '../shared/realtime-client.service';
import { DISPLAY_MAX, type Size, cameraRequest, captureFrame, sendSize } from './frame-capture';
import { sameSize, scaleGeometry, scalePoint } from './frame-space';
import { type DraftShape, SceneDraft, nextShapeId, toImagePoint } from '../shared/scene-draft';
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
  private readonly client = inject(RealtimeClientService);
  private readonly video = viewChild.required<ElementRef<HTMLVideoElement>>('video');
  private readonly display = viewChild.required<ElementRef<HTMLCanvasElement>>('display');
  private readonly canvases = { display: document.createElement('canvas'), send: document.createElement('canvas') };
  private readonly sent = new SentFrames();
  /** Short trails of tracked objects (tracking pipelines). */
  private readonly trails = new TrailBook();
  private capturing = false;
  private mediaStream: MediaStream | null = null;
  private fileUrl: string | null = null;
  private readonly draft = new SceneDraft();
  /** The pixels the draft's points are in: the stream's frame space when its first point was drawn. */
  private draftSpace: Size | null = null;

  protected readonly minFps = MIN_FPS;
  protected readonly maxFps = MAX_FPS;
  protected readonly source = signal<LiveSource>('camera');
  protected readonly file = signal<File | null>(null);
  protected readonly running = signal(false);
  protected readonly targetFps = signal(10);
  protected readonly showPanel = signal(false);
  protected readonly localError = signal<string | null>(null);
  protected readonly drawn = signal<DrawnResult | null>(null);
  /** Lines and zones drawn with the mouse; `applied` is what the current stream counts on. */
  protected readonly shape = signal<DraftShape>('line');
  protected readonly shapeId = signal('line1');
  protected readonly drafted = signal<SceneGeometry>({ lines: [], zones: [] });
  protected readonly draftPoints = signal(0);
  protected readonly applied = signal<SceneGeometry | null>(null);
  protected readonly sceneError = signal<string | null>(null);
  /** The pixels of the running stream's frames at full size: the source fitted inside the pipeline's frame_size. */
  private readonly frameSpace = signal<Size | null>(null);
  /** Size of the last frame sent (smaller than frameSpace while the adaptive rate shrinks frames). */
  protected readonly sentSize = signal<Size | null>(null, {
    equal: (a, b) => a === b || (!!a && !!b && sameSize(a, b)),
  });

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
  private readonly pipeline = computed(() => this.pipelines().find((p) => p.id === this.pipelineId()) ?? null);
  protected readonly tracking = computed(() => this.pipeline()?.tracking === true);
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
    this.clearScene(false);
    if (this.running()) this.connectStream();
  }

  protected chooseShape(shape: string): void {
    const chosen: DraftShape = shape === 'zone' ? 'zone' : 'line';
    this.shape.set(chosen);
    this.draft.setShape(chosen);
    this.draftPoints.set(0);
    this.shapeId.set(nextShapeId(chosen, this.draft.geometry));
  }

  protected nameShape(id: string): void {
    this.shapeId.set(id.trim());
  }

  /** A click on the picture adds a point in the pixels of the frames sent (what the server counts in). */
  protected clickView(event: MouseEvent): void {
    const space = this.frameSpace();
    if (!this.tracking() || !this.drawn() || !space) return;
    const rect = (event.currentTarget as HTMLElement).getBoundingClientRect();
    const point = toImagePoint(event.clientX, event.clientY, rect, space);
    if (!point) return;
    const empty = !hasGeometry(this.draft.geometry) && this.draft.points.length === 0;
    if (empty || !this.draftSpace) this.draftSpace = space;
    const [x, y] = scalePoint(point, space, this.draftSpace);
    this.afterDraftChange(this.draft.click([Math.round(x), Math.round(y)], this.shapeId()));
  }

  protected closeZone(): void {
    this.afterDraftChange(this.draft.closeZone(this.shapeId()));
  }

  /** Reconnects the stream with the drawn lines and zones: its counts start again. */
  protected applyScene(): void {
    const pipelineId = this.pipelineId();
    const scene = this.draft.geometry;
    if (!pipelineId || !this.tracking()) return;
    this.applied.set(hasGeometry(scene) ? scene : null);
    this.trails.clear();
    if (this.running()) this.connectStream();
  }

  /** Forgets every drawn line and zone; a running stream reconnects without them. */
  protected clearScene(reconnect = true): void {
    const hadScene = this.applied() !== null;
    this.draft.clear();
    this.draftSpace = null;
    this.applied.set(null);
    this.afterDraftChange(null);
    const pipelineId = this.pipelineId();
    if (reconnect && hadScene && this.running() && pipelineId) this.connectStream();
  }

  private afterDraftChange(error: string | null): void {
    this.sceneError.set(error);
    this.drafted.set(this.draft.geometry);
    this.draftPoints.set(this.draft.points.length);
    if (!error) this.shapeId.set(nextShapeId(this.shape(), this.draft.geometry));
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
          video: cameraRequest(this.pipeline()?.frame_size ?? DISPLAY_MAX),
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
    this.connectStream();
    this.running.set(true);
  }

  /**
   * (Re)connects to the chosen pipeline. A tracking stream keeps one frame size (its tracker, lines and zones are in
   * those pixels) and gets the applied lines and zones in them.
   */
  private connectStream(): void {
    const pipeline = this.pipeline();
    if (!pipeline) return;
    const video = this.video().nativeElement;
    const space = sendSize({ width: video.videoWidth, height: video.videoHeight }, pipeline.frame_size);
    this.frameSpace.set(space);
    const applied = this.tracking() ? this.applied() : null;
    const scene = applied && this.draftSpace ? scaleGeometry(applied, this.draftSpace, space) : applied;
    this.client.connect(pipeline.id, scene, { fixedFrameSize: this.tracking() });
  }

  protected stop(): void {
    this.running.set(false);
    this.client.disconnect();
    this.sent.clear();
    // frameSpace stays: lines and zones may still be drawn on the last picture.
    this.sentSize.set(null);
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
      const frameSize = this.pipeline()?.frame_size;
      if (!frameSize) return;
      const frame = await captureFrame(this.video().nativeElement, this.canvases, frameSize, this.rate().scale);
      if (!frame) return;
      this.sentSize.set(frame.sent);
      const frameIndex = this.client.sendFrame(frame.jpeg);
      if (frameIndex === null) frame.bitmap.close();
      else this.sent.add(frameIndex, frame);
    } finally {
      this.capturing = false;
    }
  }

  /** Shapes drawn but not applied, from the draft's pixels to the canvas's. */
  private drawDraft(ctx: CanvasRenderingContext2D): void {
    const space = this.draftSpace;
    if (!this.tracking() || !space) return;
    const { width, height } = ctx.canvas;
    drawDraftShapes(ctx, this.draft.geometry, this.draft.points, width / space.width, height / space.height);
  }

  private onResult(message: StreamResultMessage): void {
    const frame = this.sent.takeForResult(message.frame_index);
    if (!frame) return;
    // The picture at display size; the answer is in the pixels of the (smaller or larger) frame sent.
    const canvas = this.display().nativeElement;
    canvas.width = frame.width;
    canvas.height = frame.height;
    const ctx = canvas.getContext('2d');
    if (ctx) {
      ctx.drawImage(frame.bitmap, 0, 0);
      const image = message.result.image;
      const applied = this.applied();
      drawOverlay(ctx, message.result, {
        frameIndex: message.frame_index,
        scaleX: frame.width / image.width,
        scaleY: frame.height / image.height,
        trails: this.trails.add(message.result),
        geometry: applied && this.draftSpace ? scaleGeometry(applied, this.draftSpace, image) : undefined,
      });
      this.drawDraft(ctx);
    }
    frame.bitmap.close();
    this.drawn.set({ frameIndex: message.frame_index, result: message.result });
  }
}

/** Shapes drawn but not applied yet, dashed, and the points of the one under construction. */
function drawDraftShapes(
  ctx: CanvasRenderingContext2D,
  scene: SceneGeometry,
  points: readonly (readonly [number, number])[],
  sx: number,
  sy: number,
): void {
  ctx.save();
  ctx.setLineDash([8, 6]);
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#ffffff';
  const path = (pts: readonly (readonly [number, number])[], close: boolean): void => {
    ctx.beginPath();
    pts.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x * sx, y * sy) : ctx.lineTo(x * sx, y * sy)));
    if (close) ctx.closePath();
    ctx.stroke();
  };
  for (const line of scene.lines) path([line.from, line.to], false);
  for (const zone of scene.zones) path(zone.points, true);
  path(points, false);
  ctx.fillStyle = '#ffffff';
  for (const [x, y] of points) ctx.fillRect(x * sx - 3, y * sy - 3, 6, 6);
  ctx.restore();
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
