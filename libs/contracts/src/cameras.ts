import type { PipelineResult } from './pipeline';
import type { LineCount, LineSpec, ZoneSpec } from './scene';
import { isObject, parseObject } from './json-object';

/** The path pattern of a camera's viewer socket; `cameraViewerPath(id)` builds one. */
export const CAMERA_VIEWER_PATH = '/ws/cameras/:id';

export function cameraViewerPath(id: string): string {
  return `/ws/cameras/${encodeURIComponent(id)}`;
}

/**
 * - `waiting`: enabled, no process holds it.
 * - `starting`: a process holds it and is opening the source.
 * - `streaming`: frames arrive.
 * - `reconnecting`: a transient failure; retrying with backoff.
 * - `failed`: the source refused for a reason that needs a person (authentication, not found,
 *   unknown host); still retried at the longest backoff while enabled.
 * - `stopped`: disabled.
 */
export const CAMERA_STATUSES = ['waiting', 'starting', 'streaming', 'reconnecting', 'failed', 'stopped'] as const;
export type CameraStatus = (typeof CAMERA_STATUSES)[number];

/** A camera as every route answers it; the URL's credentials are masked (`rtsp://user:***@host/...`). */
export interface CameraView {
  id: string;
  name: string;
  url: string;
  pipeline_id: string;
  fps: number;
  enabled: boolean;
  status: CameraStatus;
  /** ISO time of the last analysed frame, or null. */
  last_frame_at: string | null;
  /** Frames analysed by the current holder since it took the camera. */
  frames_processed: number;
  /** Restarts of the source after a failure or a stall, cumulative. */
  reconnects: number;
  last_error: string | null;
  /** The lease owner of the process that holds the camera, or null. */
  owner: string | null;
  /** Tracking pipelines: counting lines, in the camera's own pixels (empty: none). */
  lines: LineSpec[];
  /** Tracking pipelines: zones, in the camera's own pixels (empty: none). */
  zones: ZoneSpec[];
  /**
   * Cameras with lines: the cumulative counts as of the holder's last heartbeat (kept across restarts and takeovers;
   * they restart only when the lines or zones are changed). Absent without lines.
   */
  line_counts?: LineCount[];
}

export interface CameraListResponse {
  cameras: CameraView[];
}

/** `POST /cameras`. */
export interface CameraCreateRequest {
  name: string;
  url: string;
  pipeline_id: string;
  /** Frames per second to analyse (default 5). */
  fps?: number;
  enabled?: boolean;
  /** Tracking pipelines only: counting lines (the same JSON as jobs and streams; see `parseSceneGeometry`). */
  lines?: LineSpec[];
  /** Tracking pipelines only: zones. */
  zones?: ZoneSpec[];
}

/**
 * `PATCH /cameras/{id}`: any subset; the masked URL sent back keeps the stored credentials. New `lines` / `zones`
 * restart the camera's counts; a PATCH of other fields keeps them.
 */
export type CameraUpdateRequest = Partial<CameraCreateRequest>;

/** Viewer socket, text: one analysed frame. */
export interface CameraResultMessage {
  camera_id: string;
  /** Analysed frames since the current holder (re)started the camera; a `camera_status` event precedes each restart. */
  frame_index: number;
  /** Capture time, epoch milliseconds. */
  timestamp_ms: number;
  result: PipelineResult;
}

/** Viewer socket, text: the camera's status changed. */
export interface CameraStatusEvent {
  event: 'camera_status';
  status: CameraStatus;
  detail?: string;
}

export type ClassifiedCameraMessage =
  | { kind: 'result'; message: CameraResultMessage }
  | { kind: 'status'; message: CameraStatusEvent }
  | { kind: 'error'; message: { error: string; detail: string } };

/**
 * Classifies one text message of a camera viewer socket (binary messages are JPEG frames);
 * null for anything outside the contract, so newer message kinds are ignored.
 */
export function classifyCameraMessage(text: string): ClassifiedCameraMessage | null {
  const value = parseObject(text);
  if (value === null) return null;
  if (typeof value['error'] === 'string') {
    return {
      kind: 'error',
      message: { error: value['error'], detail: typeof value['detail'] === 'string' ? value['detail'] : '' },
    };
  }
  if (value['event'] === 'camera_status') {
    const status = value['status'];
    if (typeof status !== 'string' || !(CAMERA_STATUSES as readonly string[]).includes(status)) return null;
    const message: CameraStatusEvent = { event: 'camera_status', status: status as CameraStatus };
    if (typeof value['detail'] === 'string') message.detail = value['detail'];
    return { kind: 'status', message };
  }
  const result = value['result'];
  if (
    typeof value['camera_id'] === 'string' &&
    typeof value['frame_index'] === 'number' &&
    typeof value['timestamp_ms'] === 'number' &&
    isObject(result) &&
    Array.isArray(result['detections'])
  ) {
    return { kind: 'result', message: value as unknown as CameraResultMessage };
  }
  return null;
}
