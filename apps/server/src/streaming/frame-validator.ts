import type { ErrorBody } from '@forgesyte/contracts';

/**
 * Some encoders (camera MJPEG streams, a few browsers) pad a JPEG after its end-of-image marker.
 * Up to this many trailing zero bytes are accepted; the decoder ignores them anyway.
 */
const MAX_TRAILING_PADDING = 64;

/** Bytes in one "MB" of STREAM_MAX_FRAME_SIZE_MB: binary megabytes, as ws counts its maxPayload. */
const BYTES_PER_MB = 1024 * 1024;

export function maxFrameBytes(maxFrameSizeMb: number): number {
  return Math.floor(maxFrameSizeMb * BYTES_PER_MB);
}

export function frameTooLarge(maxFrameSizeMb: number): ErrorBody {
  return { error: 'frame_too_large', detail: `Frame exceeds ${maxFrameSizeMb}MB` };
}

/**
 * The cheap check every frame gets before it may reach the pipeline: size, and the JPEG start
 * (FF D8) and end (FF D9) markers. It reads at most ~70 bytes whatever the frame size, so it costs
 * microseconds; whether the bytes really decode is the pipeline's job (InvalidImageError).
 * Returns null for a frame that may go on.
 */
export function validateFrame(frame: Buffer, maxBytes: number, maxFrameSizeMb: number): ErrorBody | null {
  if (frame.length > maxBytes) return frameTooLarge(maxFrameSizeMb);
  if (frame.length < 4 || frame[0] !== 0xff || frame[1] !== 0xd8) {
    return { error: 'invalid_frame', detail: 'Frame is not a JPEG (no FF D8 start-of-image marker)' };
  }
  let end = frame.length;
  const floor = Math.max(2, frame.length - MAX_TRAILING_PADDING);
  while (end > floor && frame[end - 1] === 0x00) end--;
  if (frame[end - 2] !== 0xff || frame[end - 1] !== 0xd9) {
    return { error: 'invalid_frame', detail: 'Frame is not a complete JPEG (no FF D9 end-of-image marker)' };
  }
  return null;
}
