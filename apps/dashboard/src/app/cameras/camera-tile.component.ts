import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  type ElementRef,
  computed,
  effect,
  inject,
  input,
  output,
  signal,
  viewChild,
} from '@angular/core';
import {
  cameraViewerPath,
  classifyCameraMessage,
  type CameraResultMessage,
  type CameraStatus,
  type CameraView,
  type LineCount,
  type Point,
  type SceneGeometry,
} from '@forgesyte/contracts';
import { ApiKeyService } from '../shared/api-key.service';
import { describeResult, drawOverlay } from '../shared/overlay';
import { type DraftShape, SceneDraft, nextShapeId, toImagePoint } from '../shared/scene-draft';
import { STREAM_ORIGIN, WEB_SOCKET_FACTORY, type WebSocketLike } from '../shared/realtime-client.service';

/** Results over this window make the tile's fps figure. */
const FPS_WINDOW_MS = 5000;
const RECONNECT_MS = 3000;

/**
 * One camera: its viewer socket with `?frames=1`, each JPEG drawn with the overlay of the result
 * that follows it (with the camera's lines and zones and their counts), the status badge, analysed
 * fps and last error. Click to enlarge; or draw a line or zone with the mouse, which `sceneChange`
 * hands to the page to save (PATCH).
 */
@Component({
  selector: 'fs-camera-tile',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <figure
      class="tile"
      [class.large]="large()"
      [attr.data-testid]="'camera-tile'"
      [attr.data-camera-id]="camera().id"
      [attr.data-status]="status()"
    >
      <canvas
        #canvas
        width="320"
        height="180"
        [class.drawing]="drawing() !== null"
        (click)="onCanvasClick($event)"
        [attr.title]="drawing() ? 'Click the points of the ' + drawing() : 'Click to enlarge'"
      ></canvas>
      <figcaption>
        <strong>{{ camera().name }}</strong>
        <span class="badge" [attr.data-status]="status()" data-testid="camera-status">{{ status() }}</span>
        <span data-testid="camera-fps">{{ fps().toFixed(1) }} fps</span>
        @if (error()) {
          <span class="error" data-testid="camera-error">{{ error() }}</span>
        }
        <span class="tools">
          @for (shape of shapes; track shape) {
            <button
              type="button"
              [attr.data-testid]="'camera-draw-' + shape"
              [attr.aria-pressed]="drawing() === shape"
              (click)="startDrawing(shape)"
            >
              Draw {{ shape }}
            </button>
          }
          @if (drawing() === 'zone') {
            <button
              type="button"
              data-testid="camera-close-zone"
              [disabled]="pendingPoints() < 3"
              (click)="closeZone()"
            >
              Close zone
            </button>
          }
          @if (camera().lines.length > 0 || camera().zones.length > 0) {
            <button type="button" data-testid="camera-clear-scene" (click)="clearScene()">Clear lines and zones</button>
          }
        </span>
        @if (drawProblem()) {
          <span class="error" role="alert" data-testid="camera-draw-problem">{{ drawProblem() }}</span>
        }
        @if (counts().length > 0) {
          <ul class="counts" data-testid="camera-line-counts">
            @for (count of counts(); track count.id) {
              <li>{{ count.id }}: in {{ count.in }} · out {{ count.out }}</li>
            }
          </ul>
        }
      </figcaption>
      <ul class="visually-hidden" data-testid="camera-detections">
        @for (line of lines(); track $index) {
          <li>{{ line }}</li>
        }
      </ul>
    </figure>
  `,
  styles: `
    .tile {
      margin: 0;
      background: var(--panel);
      border-radius: 6px;
      overflow: hidden;
    }
    canvas {
      width: 100%;
      display: block;
      background: #000;
      cursor: zoom-in;
    }
    .large canvas {
      cursor: zoom-out;
    }
    canvas.drawing {
      cursor: crosshair;
    }
    .tools {
      display: flex;
      gap: 0.3rem;
    }
    .tools button[aria-pressed='true'] {
      outline: 2px solid #4fb3ff;
    }
    .counts {
      display: flex;
      gap: 0.8rem;
      margin: 0;
      padding: 0;
      list-style: none;
    }
    figcaption {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
      padding: 0.4rem 0.6rem;
      align-items: center;
      font-size: 0.9rem;
    }
    .badge {
      padding: 0 0.4rem;
      border-radius: 4px;
      background: #555;
    }
    .badge[data-status='streaming'] {
      background: #2e7d32;
    }
    .badge[data-status='reconnecting'],
    .badge[data-status='starting'] {
      background: #a66a00;
    }
    .badge[data-status='failed'] {
      background: #b3261e;
    }
    .error {
      color: #ffb3b3;
    }
  `,
})
export class CameraTileComponent {
  readonly camera = input.required<CameraView>();
  readonly large = input(false);
  readonly toggle = output();
  /** The lines and zones drawn on the tile, to save on the camera. */
  readonly sceneChange = output<SceneGeometry>();

  private readonly keys = inject(ApiKeyService);
  private readonly origin = inject(STREAM_ORIGIN);
  private readonly openSocket = inject(WEB_SOCKET_FACTORY);
  private readonly canvas = viewChild.required<ElementRef<HTMLCanvasElement>>('canvas');

  private readonly liveStatus = signal<CameraStatus | null>(null);
  private readonly liveError = signal<string | null>(null);
  private readonly stamps = signal<number[]>([]);
  protected readonly lines = signal<string[]>([]);
  protected readonly shapes: readonly DraftShape[] = ['line', 'zone'];
  protected readonly drawing = signal<DraftShape | null>(null);
  protected readonly pendingPoints = signal(0);
  protected readonly drawProblem = signal<string | null>(null);
  /** The counts of the latest result; until one arrives, those of the camera's last heartbeat. */
  private readonly liveCounts = signal<LineCount[] | null>(null);
  protected readonly counts = computed(() => {
    const live = this.liveCounts() ?? [];
    const saved = this.camera().line_counts ?? [];
    return this.camera().lines.map(
      ({ id }) => live.find((c) => c.id === id) ?? saved.find((c) => c.id === id) ?? { id, in: 0, out: 0 },
    );
  });
  protected readonly status = computed(() => this.liveStatus() ?? this.camera().status);
  protected readonly error = computed(() =>
    this.status() === 'streaming' ? null : (this.liveError() ?? this.camera().last_error),
  );
  protected readonly fps = computed(() => {
    const stamps = this.stamps();
    const first = stamps[0];
    const last = stamps.at(-1);
    if (first === undefined || last === undefined || last === first) return 0;
    return ((stamps.length - 1) * 1000) / (last - first);
  });

  private socket: WebSocketLike | null = null;
  private pendingJpeg: Blob | null = null;
  private closed = false;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readonly draft = new SceneDraft();
  /** The source size of the latest result: what clicks are mapped to. */
  private image: { width: number; height: number } | null = null;

  constructor() {
    let connectedTo: string | null = null;
    effect(() => {
      const id = this.camera().id;
      if (id === connectedTo) return;
      connectedTo = id;
      this.connect(id);
    });
    inject(DestroyRef).onDestroy(() => {
      this.closed = true;
      clearTimeout(this.retry);
      this.socket?.close();
    });
  }

  protected startDrawing(shape: DraftShape): void {
    this.drawProblem.set(null);
    if (this.drawing() === shape) {
      this.stopDrawing();
      return;
    }
    const { lines, zones } = this.camera();
    this.draft.load({ lines, zones });
    this.draft.setShape(shape);
    this.drawing.set(shape);
    this.pendingPoints.set(0);
  }

  protected onCanvasClick(event: MouseEvent): void {
    const shape = this.drawing();
    if (shape === null) {
      this.toggle.emit();
      return;
    }
    if (this.image === null) {
      this.drawProblem.set('Wait for the first frame before drawing.');
      return;
    }
    const point = toImagePoint(
      event.clientX,
      event.clientY,
      this.canvas().nativeElement.getBoundingClientRect(),
      this.image,
    );
    if (point === null) return;
    const problem = this.draft.click(point, nextShapeId(shape, this.draft.geometry));
    this.pendingPoints.set(this.draft.points.length);
    this.drawProblem.set(problem);
    if (shape === 'line' && problem === null && this.draft.points.length === 0) this.apply();
  }

  protected closeZone(): void {
    const problem = this.draft.closeZone(nextShapeId('zone', this.draft.geometry));
    this.drawProblem.set(problem);
    if (problem === null) this.apply();
  }

  protected clearScene(): void {
    this.stopDrawing();
    this.sceneChange.emit({ lines: [], zones: [] });
  }

  private apply(): void {
    this.sceneChange.emit(this.draft.geometry);
    this.stopDrawing();
  }

  private stopDrawing(): void {
    this.drawing.set(null);
    this.pendingPoints.set(0);
  }

  private connect(id: string): void {
    this.socket?.close();
    const ws = this.openSocket(this.keys.withKey(`${this.origin}${cameraViewerPath(id)}?frames=1`));
    ws.binaryType = 'blob';
    this.socket = ws;
    ws.onmessage = (event: MessageEvent) => {
      if (event.data instanceof Blob) {
        this.pendingJpeg = event.data;
        return;
      }
      const message = classifyCameraMessage(String(event.data));
      if (message?.kind === 'status') {
        this.liveStatus.set(message.message.status);
        // A restart (new lines, another holder): counts come again with the next result.
        if (message.message.status === 'starting') this.liveCounts.set(null);
        this.liveError.set(message.message.detail ?? null);
      } else if (message?.kind === 'result') {
        const jpeg = this.pendingJpeg;
        this.pendingJpeg = null;
        void this.draw(jpeg, message.message);
      }
    };
    ws.onclose = () => {
      if (this.closed || this.socket !== ws) return;
      this.retry = setTimeout(() => this.connect(id), RECONNECT_MS);
    };
  }

  /** The frame, then the boxes of its own result over it (boxes are in source pixels). */
  private async draw(jpeg: Blob | null, message: CameraResultMessage): Promise<void> {
    const now = performance.now();
    this.stamps.update((s) => [...s.filter((t) => now - t < FPS_WINDOW_MS), now]);
    this.lines.set(describeResult(message.result));
    this.image = message.result.image;
    if (message.result.lines) this.liveCounts.set(message.result.lines);
    if (jpeg === null || typeof createImageBitmap !== 'function') return;
    const bitmap = await createImageBitmap(jpeg);
    const canvas = this.canvas().nativeElement;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    const { width, height } = message.result.image;
    const { lines, zones } = this.camera();
    const scaleX = canvas.width / width;
    const scaleY = canvas.height / height;
    drawOverlay(ctx, message.result, {
      frameIndex: message.frame_index,
      scaleX,
      scaleY,
      ...(lines.length > 0 || zones.length > 0 ? { geometry: { lines, zones } } : {}),
    });
    if (this.drawing() !== null) drawPending(ctx, this.draft.points, scaleX, scaleY);
  }
}

/** The points of the shape being drawn, joined in order. */
function drawPending(ctx: CanvasRenderingContext2D, points: readonly Point[], scaleX: number, scaleY: number): void {
  ctx.save();
  ctx.strokeStyle = ctx.fillStyle = '#4fb3ff';
  ctx.lineWidth = 2;
  ctx.beginPath();
  points.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x * scaleX, y * scaleY) : ctx.lineTo(x * scaleX, y * scaleY)));
  ctx.stroke();
  for (const [x, y] of points) ctx.fillRect(x * scaleX - 3, y * scaleY - 3, 6, 6);
  ctx.restore();
}
