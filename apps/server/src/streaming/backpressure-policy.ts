import type { BackpressureState, StreamDropReason } from '@forgesyte/contracts';

export type FrameOutcome = 'accepted' | StreamDropReason;

export interface BackpressureOptions {
  /** STREAM_DROP_THRESHOLD: drop rate above which the session is in `warning`. */
  dropThreshold: number;
  /** STREAM_SLOWDOWN_THRESHOLD: drop rate above which it is `critical` and told to slow down. */
  slowdownThreshold: number;
  /** Length of the sliding window; also the least time between two slow_down signals. */
  windowMs?: number;
  /** The window is kept as this many buckets, so memory is constant whatever the frame rate. */
  buckets?: number;
  /** No judgement on fewer frames than this in the window: 1 drop out of 2 frames is not a trend. */
  minFrames?: number;
}

export interface SlowDown {
  suggested_fps: number;
  drop_rate: number;
  window_ms: number;
}

export interface Evaluation {
  state: BackpressureState;
  /** The state before this frame, when it changed. */
  previous?: BackpressureState;
  dropRate: number;
  /** Set when the client must be sent slow_down now. */
  slowDown?: SlowDown;
}

interface Bucket {
  /** Which bucket-length slot of time this bucket holds; stale when older than the window. */
  slot: number;
  accepted: number;
  busy: number;
  saturated: number;
  clientSlow: number;
}

/** Weight of the newest processing time in the moving average. */
const LATENCY_ALPHA = 0.2;
/** Suggest a little under what was measured, so a client that follows the advice stops dropping. */
const HEADROOM = 0.9;

/**
 * The drop rate over a sliding window, the session state it implies, and when to send slow_down.
 * Pure: the caller passes the time, so tests drive it with a simulated clock.
 * docs/BACKPRESSURE.md explains the algorithm.
 */
export class BackpressurePolicy {
  readonly windowMs: number;
  private readonly bucketMs: number;
  private readonly minFrames: number;
  private readonly ring: Bucket[];
  private current: BackpressureState = 'normal';
  private lastSignalAt = Number.NEGATIVE_INFINITY;
  private firstFrameAt: number | null = null;
  private latencyMs: number | null = null;

  constructor(private readonly options: BackpressureOptions) {
    this.windowMs = options.windowMs ?? 2000;
    const buckets = options.buckets ?? 10;
    this.bucketMs = this.windowMs / buckets;
    this.minFrames = options.minFrames ?? 8;
    this.ring = Array.from({ length: buckets }, () => ({
      slot: -1,
      accepted: 0,
      busy: 0,
      saturated: 0,
      clientSlow: 0,
    }));
  }

  get state(): BackpressureState {
    return this.current;
  }

  /** Time the pipeline took for one of this session's frames; feeds the suggested fps. */
  recordProcessing(ms: number): void {
    this.latencyMs = this.latencyMs === null ? ms : this.latencyMs + LATENCY_ALPHA * (ms - this.latencyMs);
  }

  /** Records what happened to one received frame at time `now` (ms) and judges the window. */
  record(now: number, outcome: FrameOutcome): Evaluation {
    this.firstFrameAt ??= now;
    const bucket = this.bucketAt(now);
    switch (outcome) {
      case 'accepted':
        bucket.accepted++;
        break;
      case 'busy':
        bucket.busy++;
        break;
      case 'saturated':
        bucket.saturated++;
        break;
      case 'client_slow':
        bucket.clientSlow++;
        break;
    }
    return this.evaluate(now);
  }

  /** The window's counts at `now`. */
  window(now: number): { accepted: number; busy: number; saturated: number; clientSlow: number; total: number } {
    const oldest = this.slotOf(now) - this.ring.length + 1;
    const sum = { accepted: 0, busy: 0, saturated: 0, clientSlow: 0, total: 0 };
    for (const b of this.ring) {
      if (b.slot < oldest) continue;
      sum.accepted += b.accepted;
      sum.busy += b.busy;
      sum.saturated += b.saturated;
      sum.clientSlow += b.clientSlow;
    }
    sum.total = sum.accepted + sum.busy + sum.saturated + sum.clientSlow;
    return sum;
  }

  private evaluate(now: number): Evaluation {
    const w = this.window(now);
    const dropRate = w.total === 0 ? 0 : (w.total - w.accepted) / w.total;
    let state: BackpressureState = 'normal';
    if (w.total >= this.minFrames) {
      if (dropRate > this.options.slowdownThreshold) state = 'critical';
      else if (dropRate > this.options.dropThreshold) state = 'warning';
    }
    const evaluation: Evaluation = { state, dropRate };
    if (state !== this.current) {
      evaluation.previous = this.current;
      this.current = state;
    }
    if (state === 'critical' && now - this.lastSignalAt >= this.windowMs) {
      this.lastSignalAt = now;
      evaluation.slowDown = {
        suggested_fps: this.suggestFps(now, w),
        drop_rate: Math.round(dropRate * 1000) / 1000,
        window_ms: this.windowMs,
      };
    }
    return evaluation;
  }

  /**
   * The rate the server can sustain for this client. When the session's own frames collide (busy),
   * its capacity is one frame per processing time. When the shared scheduler is full (saturated),
   * processing time says nothing about the share this client gets, so the rate it was actually
   * served is the measure. Never above what the client sends now, never below 1.
   */
  private suggestFps(now: number, w: ReturnType<BackpressurePolicy['window']>): number {
    const windowStart = Math.max((this.slotOf(now) - this.ring.length + 1) * this.bucketMs, this.firstFrameAt ?? now);
    const spanMs = Math.max(this.bucketMs, now - windowStart);
    const receivedFps = (w.total * 1000) / spanMs;
    const servedFps = (w.accepted * 1000) / spanMs;
    const capacityFps = this.latencyMs !== null && this.latencyMs > 0 ? 1000 / this.latencyMs : servedFps;
    const base = w.busy >= w.saturated + w.clientSlow ? Math.max(servedFps, capacityFps) : servedFps;
    const fps = Math.floor(Math.min(base, receivedFps) * HEADROOM);
    return Math.max(1, fps);
  }

  private slotOf(now: number): number {
    return Math.floor(now / this.bucketMs);
  }

  private bucketAt(now: number): Bucket {
    const slot = this.slotOf(now);
    const bucket = this.ring[slot % this.ring.length]!; // a slot modulo the length is always an index of the ring
    if (bucket.slot !== slot) {
      bucket.slot = slot;
      bucket.accepted = bucket.busy = bucket.saturated = bucket.clientSlow = 0;
    }
    return bucket;
  }
}
