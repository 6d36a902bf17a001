import { DestroyRef, Injectable, InjectionToken, inject } from '@angular/core';
import {
  STREAM_PATH,
  classifyStreamMessage,
  closeCodeToError,
  type ErrorCode,
  type SceneGeometry,
  type StreamDroppedMessage,
  type StreamResultMessage,
  type StreamSlowDownMessage,
} from '@forgesyte/contracts';
import { BehaviorSubject, type Observable, Subject, distinctUntilChanged, interval, map, startWith } from 'rxjs';
import { AdaptiveRate, type SendRate } from './adaptive-rate';
import { ApiKeyService, type AccessProbeResult } from './api-key.service';
import { errorSentence } from './error-messages';
import { StreamStats, type StreamStatsSnapshot } from './stream-stats';

/** The part of the browser WebSocket the client uses; tests inject a fake through the token. */
export type WebSocketLike = Pick<
  WebSocket,
  'binaryType' | 'readyState' | 'onopen' | 'onmessage' | 'onclose' | 'onerror' | 'send' | 'close'
>;
export type WebSocketFactory = (url: string) => WebSocketLike;

export const WEB_SOCKET_FACTORY = new InjectionToken<WebSocketFactory>('WEB_SOCKET_FACTORY', {
  providedIn: 'root',
  factory: () => (url: string) => new WebSocket(url),
});

/** ws(s)://host of the page; the dashboard is served by the server it streams to. */
export const STREAM_ORIGIN = new InjectionToken<string>('STREAM_ORIGIN', {
  providedIn: 'root',
  factory: () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`,
});

/**
 * Asked when a socket closes before it opens (a refused upgrade looks like any network failure to
 * a browser): whether the server wants a key, and whether the operator entered one.
 */
export const ACCESS_PROBE = new InjectionToken<() => Promise<AccessProbeResult>>('ACCESS_PROBE', {
  providedIn: 'root',
  factory: () => {
    const keys = inject(ApiKeyService);
    return () => keys.probe();
  },
});

/** Reconnect delays after a network loss; the last one repeats. */
export const RECONNECT_DELAYS_MS = [1000, 2000, 4000, 8000, 15000] as const;

/** Errors that end a stream for a reason that passes by itself: the client reconnects with backoff instead of stopping. */
const TRANSIENT_ERRORS: ReadonlySet<ErrorCode | 'network'> = new Set(['server_shutdown']);

/** The gateway numbers frames from 0 in the order it receives them on one connection. */
const FIRST_FRAME_INDEX = 0;

export interface ConnectOptions {
  /**
   * Under load, lower only the frame rate, never the frame size: a tracking pipeline's tracker, lines and zones are
   * in the pixels of the session's frames.
   */
  fixedFrameSize?: boolean;
}

export type ConnectionStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface StreamError {
  code: ErrorCode | 'network';
  detail: string;
  /** A sentence for the operator. */
  message: string;
}

export interface ConnectionState {
  status: ConnectionStatus;
  pipelineId: string | null;
  /** Set when the last connection ended in an error; cleared by the next open. */
  error: StreamError | null;
  /** Reconnect attempts since the last successful open. */
  attempt: number;
  /** Delay before the scheduled reconnect, while status is 'reconnecting'. */
  retryInMs: number | null;
}

// WebSocket readyState values, spelled out so fakes need not subclass the DOM class.
const OPEN = 1;
const CLOSED = 3;

const IDLE: ConnectionState = { status: 'idle', pipelineId: null, error: null, attempt: 0, retryInMs: null };

/**
 * The only code that knows the streaming protocol: one WebSocket per pipeline, binary JPEG frames
 * out, typed messages in, reconnect with backoff after a network loss, and the adaptive send rate.
 */
@Injectable({ providedIn: 'root' })
export class RealtimeClientService {
  private readonly createSocket = inject(WEB_SOCKET_FACTORY);
  private readonly origin = inject(STREAM_ORIGIN);
  private readonly keys = inject(ApiKeyService);
  private readonly probeAccess = inject(ACCESS_PROBE);

  private socket: WebSocketLike | null = null;
  private nextFrameIndex = FIRST_FRAME_INDEX;
  private pendingError: StreamError | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  /** Lines and zones of the current stream (tracking pipelines), sent as `lines=` / `zones=`. */
  private scene: SceneGeometry | null = null;
  private options: ConnectOptions = {};
  private readonly adaptive = new AdaptiveRate();
  private readonly stats = new StreamStats();

  private readonly stateSubject = new BehaviorSubject<ConnectionState>(IDLE);
  private readonly rateSubject = new BehaviorSubject<SendRate>(this.adaptive.rate);
  private readonly resultsSubject = new Subject<StreamResultMessage>();
  private readonly droppedSubject = new Subject<StreamDroppedMessage>();
  private readonly slowDownSubject = new Subject<StreamSlowDownMessage>();

  readonly state$: Observable<ConnectionState> = this.stateSubject.asObservable();
  /** The rate the capture loop should follow; changes on slow_down and on recovery. */
  readonly rate$: Observable<SendRate> = this.rateSubject.pipe(
    distinctUntilChanged((a, b) => a.fps === b.fps && a.scale === b.scale),
  );
  readonly results$: Observable<StreamResultMessage> = this.resultsSubject.asObservable();
  readonly dropped$: Observable<StreamDroppedMessage> = this.droppedSubject.asObservable();
  readonly slowDown$: Observable<StreamSlowDownMessage> = this.slowDownSubject.asObservable();

  constructor() {
    inject(DestroyRef).onDestroy(() => this.disconnect());
  }

  get state(): ConnectionState {
    return this.stateSubject.value;
  }

  get rate(): SendRate {
    return this.rateSubject.value;
  }

  /** Panel figures, refreshed every periodMs. */
  stats$(periodMs = 500): Observable<StreamStatsSnapshot> {
    return interval(periodMs).pipe(
      startWith(0),
      map(() => this.stats.snapshot(performance.now())),
    );
  }

  /**
   * Opens a stream for the pipeline, closing any current one first. With a scene, the stream counts on its lines
   * and zones (changing them means a new connection, whose counts start again).
   */
  connect(pipelineId: string, scene: SceneGeometry | null = null, options: ConnectOptions = {}): void {
    this.teardown();
    this.scene = scene;
    this.options = options;
    this.stats.reset();
    this.adaptive.setFixedSize(options.fixedFrameSize === true);
    this.rateSubject.next(this.adaptive.reset());
    this.open(pipelineId, 0);
  }

  /** A fresh connection to the same pipeline, after an error the operator acknowledged. */
  retry(): void {
    const pipelineId = this.state.pipelineId;
    if (pipelineId) this.connect(pipelineId, this.scene, this.options);
  }

  disconnect(): void {
    this.teardown();
    this.stateSubject.next({ ...IDLE, pipelineId: this.state.pipelineId });
  }

  setTargetFps(fps: number): void {
    this.rateSubject.next(this.adaptive.setTarget(fps));
  }

  /**
   * Sends one JPEG. Returns the frame_index the server will answer with, or null when no stream
   * is open (the frame is not sent, so the numbering stays aligned with the server's count).
   */
  sendFrame(jpeg: ArrayBuffer | Blob): number | null {
    const socket = this.socket;
    if (!socket || this.state.status !== 'open' || socket.readyState !== OPEN) return null;
    const frameIndex = this.nextFrameIndex++;
    socket.send(jpeg);
    this.stats.recordSent(frameIndex, performance.now());
    return frameIndex;
  }

  private open(pipelineId: string, attempt: number): void {
    this.pendingError = null;
    this.nextFrameIndex = FIRST_FRAME_INDEX;
    this.stateSubject.next({
      status: attempt === 0 ? 'connecting' : 'reconnecting',
      pipelineId,
      error: this.state.error,
      attempt,
      retryInMs: null,
    });
    const url = this.keys.withKey(`${this.origin}${STREAM_PATH}?${streamQuery(pipelineId, this.scene)}`);
    const socket = this.createSocket(url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      if (this.socket !== socket) return;
      this.stateSubject.next({ status: 'open', pipelineId, error: null, attempt: 0, retryInMs: null });
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.socket === socket && typeof event.data === 'string') this.handleMessage(event.data);
    };
    // Every failure also ends in a close event, which carries the code we act on.
    socket.onerror = () => undefined;
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.handleClose(pipelineId, event.code, event.reason);
      if (!opened) void this.checkAccess(pipelineId);
    };
  }

  /** After a socket that never opened: reconnect at once with a new key, or stop on a refusal. */
  private async checkAccess(pipelineId: string): Promise<void> {
    const result = await this.probeAccess();
    const state = this.state;
    if (result === 'other' || this.socket !== null || state.pipelineId !== pipelineId) return;
    if (state.status !== 'reconnecting' && state.status !== 'closed') return;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (result === 'new_key') {
      this.open(pipelineId, 0);
      return;
    }
    const error = toStreamError('unauthorized', 'The server refused the connection: an API key is required');
    this.stateSubject.next({ status: 'closed', pipelineId, error, attempt: 0, retryInMs: null });
  }

  private handleMessage(text: string): void {
    const parsed = classifyStreamMessage(text);
    if (!parsed) return;
    const now = performance.now();
    switch (parsed.kind) {
      case 'result':
        this.stats.recordResult(parsed.message.frame_index, now);
        this.rateSubject.next(this.adaptive.onResult());
        this.resultsSubject.next(parsed.message);
        break;
      case 'dropped':
        this.stats.recordDropped(parsed.message.frame_index, now);
        this.rateSubject.next(this.adaptive.onDropped());
        this.droppedSubject.next(parsed.message);
        break;
      case 'slow_down':
        this.stats.recordSlowDown();
        this.rateSubject.next(this.adaptive.onSlowDown(parsed.message.suggested_fps));
        this.slowDownSubject.next(parsed.message);
        break;
      case 'error':
        this.pendingError = toStreamError(parsed.message.error, parsed.message.detail);
        break;
    }
  }

  private handleClose(pipelineId: string, code: number, reason: string): void {
    // 0 once a connection opened: a later loss starts the backoff from the beginning.
    const attempt = this.state.attempt;
    const codeError = closeCodeToError(code);
    const error = this.pendingError ?? (codeError ? toStreamError(codeError, reason) : null);
    if (error && !TRANSIENT_ERRORS.has(error.code)) {
      // The server said why; reconnecting blindly would repeat it. The operator retries.
      this.stateSubject.next({ status: 'closed', pipelineId, error, attempt: 0, retryInMs: null });
      return;
    }
    // Past the end of the list the longest delay repeats.
    const delay = RECONNECT_DELAYS_MS[attempt] ?? Math.max(...RECONNECT_DELAYS_MS);
    this.stateSubject.next({
      status: 'reconnecting',
      pipelineId,
      error: error ?? toStreamError('network', reason || `connection closed (${code})`),
      attempt: attempt + 1,
      retryInMs: delay,
    });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open(pipelineId, attempt + 1);
    }, delay);
  }

  private teardown(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket && socket.readyState !== CLOSED) socket.close(1000, 'client closed');
  }
}

/** The stream's query string: the pipeline and, when set, its lines and zones as URL-encoded JSON. */
export function streamQuery(pipelineId: string, scene: SceneGeometry | null): string {
  let query = `pipeline_id=${encodeURIComponent(pipelineId)}`;
  if (scene && scene.lines.length > 0) query += `&lines=${encodeURIComponent(JSON.stringify(scene.lines))}`;
  if (scene && scene.zones.length > 0) query += `&zones=${encodeURIComponent(JSON.stringify(scene.zones))}`;
  return query;
}

function toStreamError(code: ErrorCode | 'network', detail: string): StreamError {
  return { code, detail, message: errorSentence(code, detail) };
}
