/** What the capture loop should send right now. */
export interface SendRate {
  /** Frames per second to capture and send. */
  fps: number;
  /** Factor applied to the pipeline's `frame_size` bound (1 = full size). */
  scale: number;
}

export const MAX_FPS = 30;
export const MIN_FPS = 2;
/** Resolution steps used once the frame rate is already at its floor. */
const SCALE_STEPS = [1, 0.75, 0.5] as const;

/**
 * Client side of the backpressure etiquette: on `slow_down` lower the frame rate first (to the
 * server's suggestion), and only when the rate cannot go lower shrink the frames. Climb back one
 * step at a time after a run of clean results (no drop, no warning) lasting about two seconds,
 * undoing the most recent reduction first (resolution, then frame rate). A stream with a fixed frame size (a tracking
 * pipeline: its tracker, lines and zones are in the pixels of its frames) only ever lowers the frame rate.
 */
export class AdaptiveRate {
  private target: number;
  private fps: number;
  private scaleStep = 0;
  private cleanResults = 0;
  private fixedSize = false;

  constructor(targetFps = 10) {
    this.target = clampFps(targetFps);
    this.fps = this.target;
  }

  get rate(): SendRate {
    return { fps: this.fps, scale: SCALE_STEPS[this.scaleStep] ?? SCALE_STEPS[0] };
  }

  /** The operator's choice; resets any reduction because the operator asked for it. */
  setTarget(fps: number): SendRate {
    this.target = clampFps(fps);
    this.fps = this.target;
    this.scaleStep = 0;
    this.cleanResults = 0;
    return this.rate;
  }

  /** Whether frames must keep their size (any reduction of it is undone at once). */
  setFixedSize(fixed: boolean): SendRate {
    this.fixedSize = fixed;
    if (fixed) this.scaleStep = 0;
    return this.rate;
  }

  /** Start of a new connection: the old session's pressure says nothing about the new one. */
  reset(): SendRate {
    return this.setTarget(this.target);
  }

  onSlowDown(suggestedFps: number | undefined): SendRate {
    this.cleanResults = 0;
    if (this.fps > MIN_FPS) {
      const suggested = Number.isFinite(suggestedFps) && (suggestedFps ?? 0) > 0 ? Math.floor(suggestedFps!) : Infinity;
      // At least a 25% cut, so a suggestion equal to the current rate still relieves the server.
      this.fps = Math.max(MIN_FPS, Math.min(suggested, Math.floor(this.fps * 0.75)));
    } else if (!this.fixedSize && this.scaleStep < SCALE_STEPS.length - 1) {
      this.scaleStep += 1;
    }
    return this.rate;
  }

  onDropped(): SendRate {
    this.cleanResults = 0;
    return this.rate;
  }

  onResult(): SendRate {
    this.cleanResults += 1;
    // About two seconds of clean answers at the current rate.
    if (this.cleanResults >= Math.max(4, this.fps * 2)) {
      this.cleanResults = 0;
      if (this.scaleStep > 0) this.scaleStep -= 1;
      else if (this.fps < this.target)
        this.fps = Math.min(this.target, this.fps + Math.max(1, Math.round(this.fps * 0.25)));
    }
    return this.rate;
  }
}

function clampFps(fps: number): number {
  if (!Number.isFinite(fps)) return 10;
  return Math.min(MAX_FPS, Math.max(MIN_FPS, Math.round(fps)));
}
