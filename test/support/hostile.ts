import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { JobResultsResponse, StreamResultMessage } from '@forgesyte/contracts';
import { openStream } from '../../examples/stream-client';
import { MEDIA_DIR, metricValue, waitFor, type RunningApp } from './app';
import { call, submit, untilFinished } from './jobs-http';

export const zidane = readFileSync(join(MEDIA_DIR, 'zidane.jpg'));
/** 13.8 s of video: at 0.5 fps, a seven-frame job. */
export const SHORT_CLIP = join(MEDIA_DIR, 'crowd_walking_720p_h264.avi');
export const SHORT_CLIP_FRAMES = 7;

/** Every file under `dir`, as paths relative to it (directories themselves are not listed). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}

/** Open file descriptors of this process (the in-process server's sockets, files and pipes among them). */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

export function rssMb(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}

/** A normal frame on a fresh connection is answered with a result, and the session ends cleanly. */
export async function expectFrameServed(
  app: RunningApp,
  pipeline = 'yolo',
  image: Buffer = zidane,
): Promise<StreamResultMessage> {
  const stream = await openStream(app.wsUrl, pipeline);
  stream.socket.send(image);
  const answer = await stream.read(60_000);
  expect(answer.kind).toBe('result');
  expect(answer.message).toMatchObject({ frame_index: 0 });
  stream.socket.close(1000);
  await stream.closed;
  if (answer.kind !== 'result') throw new Error(`expected a result, got ${answer.kind}`);
  return answer.message;
}

/** A normal job runs to completion with every sampled frame stored once. */
export async function expectJobServed(app: RunningApp, pipeline = 'yolo'): Promise<string> {
  const submitted = await submit(app.url, SHORT_CLIP, { pipeline_id: pipeline, fps: 0.5 });
  expect(submitted.status).toBe(202);
  const done = await untilFinished(app.url, submitted.body.job_id, 120_000);
  expect(done.status).toBe('completed');
  const results = await call<JobResultsResponse>(`${app.url}/video/results/${submitted.body.job_id}`);
  expect(results.body.frames.map((f) => f.frame_index)).toEqual([...Array(SHORT_CLIP_FRAMES).keys()]);
  return submitted.body.job_id;
}

/** Live sessions as the metrics report them, once they have settled to `expected`. */
export function sessionsBackTo(app: RunningApp, expected: number): Promise<number> {
  return waitFor(async () => {
    const n = await metricValue(app, /^stream_sessions_active /);
    return n === expected ? n : undefined;
  }, 30_000);
}
