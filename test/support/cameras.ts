import WebSocket from 'ws';
import {
  classifyCameraMessage,
  type CameraResultMessage,
  type CameraStatusEvent,
  type CameraView,
  type ErrorBody,
} from '@forgesyte/contracts';
import { waitFor } from './app';
import { call, type HttpAnswer } from './jobs-http';

export function createCamera(
  baseUrl: string,
  body: Record<string, unknown>,
): Promise<HttpAnswer<CameraView & Partial<ErrorBody>>> {
  return call(`${baseUrl}/cameras`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export function patchCamera(
  baseUrl: string,
  id: string,
  body: Record<string, unknown>,
): Promise<HttpAnswer<CameraView & Partial<ErrorBody>>> {
  return call(`${baseUrl}/cameras/${id}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export async function getCamera(baseUrl: string, id: string): Promise<CameraView> {
  return (await call<CameraView>(`${baseUrl}/cameras/${id}`)).body;
}

/** Polls GET /cameras/{id} until `check` holds; answers the camera. */
export function untilCamera(
  baseUrl: string,
  id: string,
  check: (c: CameraView) => boolean,
  timeoutMs = 60_000,
): Promise<CameraView> {
  return waitFor(
    async () => {
      const camera = await getCamera(baseUrl, id);
      return check(camera) ? camera : undefined;
    },
    timeoutMs,
    200,
  );
}

/** Everything a viewer socket received, in order. */
export interface Viewer {
  ws: WebSocket;
  results: CameraResultMessage[];
  statuses: CameraStatusEvent[];
  /** Text and binary messages in arrival order: 'jpeg' or 'result' or 'status'. */
  order: string[];
  jpegs: Buffer[];
  errors: ErrorBody[];
  closed: Promise<{ code: number; reason: string }>;
  /** Waits until `check` holds over what arrived so far. */
  until(check: (v: Viewer) => boolean, timeoutMs?: number): Promise<void>;
}

export async function openViewer(wsUrl: string, id: string, frames = false): Promise<Viewer> {
  const ws = new WebSocket(`${wsUrl}/ws/cameras/${id}${frames ? '?frames=1' : ''}`);
  const viewer: Viewer = {
    ws,
    results: [],
    statuses: [],
    order: [],
    jpegs: [],
    errors: [],
    closed: new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))),
    until: (check, timeoutMs = 60_000) =>
      waitFor(async () => Promise.resolve(check(viewer) ? true : undefined), timeoutMs, 50).then(() => undefined),
  };
  ws.on('message', (data: Buffer, binary: boolean) => {
    if (binary) {
      viewer.jpegs.push(data);
      viewer.order.push('jpeg');
      return;
    }
    const classified = classifyCameraMessage(data.toString());
    if (classified?.kind === 'result') viewer.results.push(classified.message);
    if (classified?.kind === 'status') viewer.statuses.push(classified.message);
    if (classified?.kind === 'error') viewer.errors.push(classified.message as ErrorBody);
    if (classified) viewer.order.push(classified.kind);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return viewer;
}
