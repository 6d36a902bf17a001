import { ERROR_CODES, type ErrorCode } from './errors';
import type { PipelineResult } from './pipeline';
import { isObject, parseObject } from './json-object';
import {
  STREAM_CLOSE_CODES,
  STREAM_DROP_REASONS,
  type StreamDropReason,
  type StreamDroppedMessage,
  type StreamErrorMessage,
  type StreamResultMessage,
  type StreamSlowDownMessage,
} from './streaming';

/**
 * A server message with its kind, as every client (dashboard, examples, benchmarks, tests) reads
 * it: switch on `kind`, never on which keys an object happens to have.
 */
export type ClassifiedStreamMessage =
  | { kind: 'result'; message: StreamResultMessage }
  | { kind: 'dropped'; message: StreamDroppedMessage }
  | { kind: 'slow_down'; message: StreamSlowDownMessage }
  | { kind: 'error'; message: StreamErrorMessage };

function isResult(value: unknown): value is PipelineResult {
  return isObject(value) && Array.isArray(value['detections']) && isObject(value['image']);
}

/**
 * Classifies one text frame from the gateway. Returns null for anything that is not a message of
 * the contract, so a newer server's extra message kinds are ignored instead of breaking a client.
 */
export function classifyStreamMessage(text: string): ClassifiedStreamMessage | null {
  const value = parseObject(text);
  if (value === null) return null;
  if (typeof value['error'] === 'string') {
    const message: StreamErrorMessage = {
      error: value['error'] as ErrorCode,
      detail: typeof value['detail'] === 'string' ? value['detail'] : '',
    };
    if (typeof value['frame_index'] === 'number') message.frame_index = value['frame_index'];
    return { kind: 'error', message };
  }
  if (value['warning'] === 'slow_down') {
    return {
      kind: 'slow_down',
      message: {
        warning: 'slow_down',
        suggested_fps: typeof value['suggested_fps'] === 'number' ? value['suggested_fps'] : 0,
        drop_rate: typeof value['drop_rate'] === 'number' ? value['drop_rate'] : 0,
        ...(typeof value['window_ms'] === 'number' ? { window_ms: value['window_ms'] } : {}),
      },
    };
  }
  const frameIndex = value['frame_index'];
  if (typeof frameIndex !== 'number' || !Number.isInteger(frameIndex)) return null;
  if (value['dropped'] === true) {
    const reason = value['reason'];
    const message: StreamDroppedMessage = { frame_index: frameIndex, dropped: true };
    if (typeof reason === 'string' && (STREAM_DROP_REASONS as readonly string[]).includes(reason)) {
      message.reason = reason as StreamDropReason;
    }
    return { kind: 'dropped', message };
  }
  const result = value['result'];
  if (isResult(result)) {
    // Older or partial servers may omit texts; the overlay code relies on both arrays.
    const texts = Array.isArray(result.texts) ? result.texts : [];
    return { kind: 'result', message: { frame_index: frameIndex, result: { ...result, texts } } };
  }
  return null;
}

/** The error code a close code stands for, for closes that come without an error message. */
export function closeCodeToError(code: number): ErrorCode | null {
  for (const [name, value] of Object.entries(STREAM_CLOSE_CODES)) {
    if (value === code && name !== 'normal' && (ERROR_CODES as readonly string[]).includes(name))
      return name as ErrorCode;
  }
  return null;
}
