import type { ErrorBody } from './errors';
import type { PipelineResult } from './pipeline';

export const STREAM_PATH = '/ws/video/stream';

/** Server -> client: a processed frame. */
export interface StreamResultMessage {
  frame_index: number;
  result: PipelineResult;
}

/** Server -> client: a frame that was not processed (the newest frame wins). */
export interface StreamDroppedMessage {
  frame_index: number;
  dropped: true;
}

/** Server -> client: the client sends faster than the server can serve it. */
export interface StreamSlowDownMessage {
  warning: 'slow_down';
  /** Frames per second the server can sustain for this client right now. */
  suggested_fps: number;
  /** Drop rate over the sliding window that triggered the signal, 0..1. */
  drop_rate: number;
}

/** Server -> client: a fatal error; the server closes the socket right after it. */
export type StreamErrorMessage = ErrorBody;

export type StreamServerMessage =
  StreamResultMessage | StreamDroppedMessage | StreamSlowDownMessage | StreamErrorMessage;

export type BackpressureState = 'normal' | 'warning' | 'critical';

/**
 * WebSocket close codes the gateway uses. 1008 (policy violation) and 1009 (message too big)
 * are standard; 4xxx are application codes.
 */
export const STREAM_CLOSE_CODES = {
  normal: 1000,
  invalid_pipeline: 1008,
  invalid_message: 1003,
  invalid_frame: 1007,
  frame_too_large: 1009,
  internal_error: 1011,
  server_busy: 1013,
  pipeline_failure: 4500,
  idle_timeout: 4408,
  session_timeout: 4410,
  client_too_slow: 4429,
} as const;
