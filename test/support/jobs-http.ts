import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { ErrorBody, JobStatusResponse } from '@forgesyte/contracts';
import { waitFor } from './app';

export interface HttpAnswer<T> {
  status: number;
  headers: Headers;
  body: T;
}

export async function call<T>(url: string, init?: RequestInit): Promise<HttpAnswer<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as T };
}

export interface SubmitFields {
  pipeline_id?: string;
  fps?: string | number;
  /** Sent as the part's Content-Type, to show the server ignores it. */
  type?: string;
  name?: string;
  /** Tracking pipelines: JSON text. */
  lines?: string;
  zones?: string;
}

/** POST /video/submit with the given bytes (or a file on disk) as the multipart `file` part. */
export function submit(
  baseUrl: string,
  file: string | Buffer | null,
  fields: SubmitFields = {},
): Promise<HttpAnswer<{ job_id: string } & Partial<ErrorBody>>> {
  const form = new FormData();
  if (fields.pipeline_id !== undefined) form.append('pipeline_id', fields.pipeline_id);
  if (fields.fps !== undefined) form.append('fps', String(fields.fps));
  if (fields.lines !== undefined) form.append('lines', fields.lines);
  if (fields.zones !== undefined) form.append('zones', fields.zones);
  if (file !== null) {
    const bytes = typeof file === 'string' ? readFileSync(file) : file;
    const name = fields.name ?? (typeof file === 'string' ? basename(file) : 'upload.mp4');
    form.append('file', new Blob([new Uint8Array(bytes)], { type: fields.type ?? 'video/mp4' }), name);
  }
  return call(`${baseUrl}/video/submit`, { method: 'POST', body: form });
}

export async function status(baseUrl: string, id: string): Promise<JobStatusResponse> {
  const res = await call<JobStatusResponse>(`${baseUrl}/video/status/${id}`);
  if (res.status !== 200) throw new Error(`status ${id}: HTTP ${res.status}`);
  return res.body;
}

/** Polls until the job has finished (completed, failed or cancelled) and returns its status. */
export function untilFinished(baseUrl: string, id: string, timeoutMs = 120_000): Promise<JobStatusResponse> {
  return waitFor(
    async () => {
      const s = await status(baseUrl, id);
      return s.status === 'queued' || s.status === 'running' ? undefined : s;
    },
    timeoutMs,
    250,
  );
}
