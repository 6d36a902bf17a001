import { randomUUID } from 'node:crypto';
import type { BackpressureState } from '@forgesyte/contracts';
import { BackpressurePolicy, type BackpressureOptions } from './backpressure-policy';

/**
 * What the server keeps for one live connection, in memory only, gone on disconnect. Its size is
 * constant (counters and a fixed ring of buckets, never the frames), well under 50 KB.
 */
export class StreamSession {
  readonly sessionId = randomUUID();
  readonly startedAt: number;
  /** Frames received so far; the next frame gets this frame_index. */
  frameIndex = 0;
  processedFrames = 0;
  droppedFrames = 0;
  /** Wall-clock time (ms) of the last result sent, null before the first. */
  lastProcessedTs: number | null = null;
  /** The frame in the pipeline now; frames that arrive meanwhile are dropped, never queued. */
  inFlight: number | null = null;
  readonly policy: BackpressurePolicy;

  constructor(
    readonly pipelineId: string,
    thresholds: BackpressureOptions,
    now = Date.now(),
  ) {
    this.startedAt = now;
    this.policy = new BackpressurePolicy(thresholds);
  }

  get backpressureState(): BackpressureState {
    return this.policy.state;
  }

  /** Takes the next frame_index. */
  nextFrame(): number {
    return this.frameIndex++;
  }

  summary(): Record<string, string | number | null> {
    return {
      session_id: this.sessionId,
      pipeline_id: this.pipelineId,
      frames: this.frameIndex,
      processed: this.processedFrames,
      drops: this.droppedFrames,
      backpressure_state: this.backpressureState,
      duration_ms: Date.now() - this.startedAt,
    };
  }
}
