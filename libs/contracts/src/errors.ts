/** The one error shape every HTTP response and WebSocket message uses. */
export interface ErrorBody {
  error: ErrorCode;
  detail: string;
}

/** Stable snake_case error codes, shared by the REST API and the streaming gateway. */
export const ERROR_CODES = [
  // generic
  'bad_request',
  'not_found',
  'internal_error',
  'service_unavailable',
  // streaming
  'invalid_pipeline',
  'invalid_message',
  'invalid_frame',
  'frame_too_large',
  'pipeline_failure',
  'server_busy',
  'idle_timeout',
  'session_timeout',
  'client_too_slow',
  // jobs
  'invalid_job_id',
  'job_not_found',
  'unsupported_media_type',
  'payload_too_large',
  'validation_failed',
  // access control
  'unauthorized',
  'forbidden_origin',
  'rate_limited',
  // hostile input and faults
  'server_shutdown',
  'video_too_large',
  // tracking
  'invalid_geometry',
  // cameras
  'camera_not_found',
  'no_frame_yet',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorBody).error === 'string' &&
    typeof (value as ErrorBody).detail === 'string'
  );
}
