import { type ErrorCode } from '@forgesyte/contracts';

/**
 * One sentence per error code for the operator, saying what happened and what to do. Typed as a
 * full record so that a code added to the contract fails the build until it has a sentence here.
 */
export const ERROR_SENTENCES: Record<ErrorCode, string> = {
  bad_request: 'The server did not understand the request.',
  not_found: 'The server does not know that address.',
  internal_error: 'The server hit an unexpected problem. Retry; if it persists, check the server logs.',
  service_unavailable: 'The server is not ready yet (models may still be loading). Retry in a moment.',
  invalid_pipeline: 'The selected pipeline is not available on this server. Choose another one.',
  invalid_message: 'The server received a message it does not accept (it expects binary JPEG frames).',
  invalid_frame: 'A frame could not be decoded as a JPEG image, so the server closed the stream.',
  frame_too_large: 'A frame was larger than the server accepts. Lower the resolution and retry.',
  pipeline_failure: 'The pipeline failed while analysing a frame. Retry, or choose another pipeline.',
  server_busy: 'The server is serving as many live sessions as it allows. Retry in a moment.',
  idle_timeout: 'The stream was closed because no frame arrived for too long. Retry to resume.',
  session_timeout: 'The stream reached its maximum duration and was closed. Retry to start a new one.',
  client_too_slow: 'This page did not read results fast enough, so the server closed the stream. Retry.',
  invalid_job_id: 'That job id is not valid.',
  job_not_found: 'That job no longer exists; it may have been deleted or expired.',
  unsupported_media_type: 'The file is not a video the server can read. Upload an MP4.',
  payload_too_large: 'The file is larger than the server accepts.',
  validation_failed: 'The request was rejected: check the pipeline and sample rate.',
  unauthorized: 'The server needs a valid API key.',
  forbidden_origin: "The server does not accept connections from this page's address (ALLOWED_ORIGINS).",
  rate_limited: 'Too many requests or live sessions from this address. Wait a moment, then retry.',
  server_shutdown: 'The server is restarting. Reconnecting automatically.',
  video_too_large: 'The video is too large to process (frame size or number of frames). Upload a smaller one.',
  invalid_geometry:
    'The lines or zones are not valid for this pipeline (a tracking pipeline is needed). Check them and retry.',
  camera_not_found: 'That camera no longer exists; it may have been removed.',
  no_frame_yet: 'The camera has not delivered an analysed frame yet.',
};

const NETWORK_SENTENCE = 'The connection to the server was lost.';

/** The sentence for a code; unknown codes (a newer server) still get a readable line. */
export function errorSentence(code: string | null | undefined, detail?: string): string {
  if (code && code in ERROR_SENTENCES) return ERROR_SENTENCES[code as ErrorCode];
  if (code === 'network') return NETWORK_SENTENCE;
  return detail ? `The server reported an error: ${detail}` : 'Something went wrong.';
}
