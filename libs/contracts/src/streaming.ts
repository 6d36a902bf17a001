import type { ErrorBody } from './errors';
import type { PipelineResult } from './pipeline';

export const STREAM_PATH = '/ws/video/stream';

/** Server -> client: a processed frame. */
export interface StreamResultMessage {
  frame_index: number;
  result: PipelineResult;
}

/**
 * Why a frame was not processed. `busy`: the session's previous frame was still in the pipeline.
 * `saturated`: the shared scheduler was full (other sessions or jobs). `client_slow`: the client
 * is not reading its answers, so the server stopped running frames for it.
 */
export const STREAM_DROP_REASONS = ['busy', 'saturated', 'client_slow'] as const;
export type StreamDropReason = (typeof STREAM_DROP_REASONS)[number];

/** Server -> client: a frame that was not processed (the newest frame wins). */
export interface StreamDroppedMessage {
  frame_index: number;
  dropped: true;
  reason?: StreamDropReason;
}

/** Server -> client: the client sends faster than the server can serve it. */
export interface StreamSlowDownMessage {
  warning: 'slow_down';
  /** Frames per second the server can sustain for this client right now. */
  suggested_fps: number;
  /** Drop rate over the sliding window that triggered the signal, 0..1. */
  drop_rate: number;
  /** Length of that window in milliseconds; at most one signal is sent per window. */
  window_ms?: number;
}

/**
 * Server -> client: a fatal error; the server closes the socket right after it. `frame_index` is
 * set when the error is about one frame (invalid_frame, pipeline_failure).
 */
export interface StreamErrorMessage extends ErrorBody {
  frame_index?: number;
}

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
  rate_limited: 4431,
  /** `lines` / `zones` do not parse, or the pipeline cannot count them; sent before any frame is processed. */
  invalid_geometry: 4422,
  /** A query parameter other than `pipeline_id`, `lines` and `zones` has a value the server cannot use (`fps`). */
  bad_request: 4400,
  /** A camera viewer socket (`/ws/cameras/{id}`) for an id no camera has. */
  camera_not_found: 4404,
  /** 1001 "going away": the server is shutting down; reconnect (with backoff) to it or another. */
  server_shutdown: 1001,
} as const;

/** The error codes that end a stream, each with its close code. */
export type StreamErrorCode = Exclude<keyof typeof STREAM_CLOSE_CODES, 'normal'>;
