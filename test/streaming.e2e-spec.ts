import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import WebSocket from 'ws';
import {
  STREAM_CLOSE_CODES,
  type StreamErrorMessage,
  type StreamResultMessage,
  type StreamServerMessage,
} from '@forgesyte/contracts';
import { openStream } from '../examples/stream-client';
import { MEDIA_DIR, metricValue, startApp, waitFor, type RunningApp } from './support/app';

const zidane = readFileSync(join(MEDIA_DIR, 'zidane.jpg'));
const bus = readFileSync(join(MEDIA_DIR, 'bus.jpg'));

/** The error message and the close that must follow it. */
async function expectFatal(
  stream: { next(ms?: number): Promise<StreamServerMessage>; closed: Promise<{ code: number; reason: string }> },
  error: StreamErrorMessage['error'],
): Promise<{ message: StreamErrorMessage; code: number; reason: string }> {
  const message = (await stream.next()) as StreamErrorMessage;
  expect(message.error).toBe(error);
  expect(typeof message.detail).toBe('string');
  expect(JSON.stringify(message)).not.toMatch(/\bat .+:\d+:\d+/); // no stack trace
  const { code, reason } = await stream.closed;
  return { message, code, reason };
}

describe('live stream over WebSocket (pipeline yolo)', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ PIPELINES: 'yolo' });
  });
  afterAll(() => app.close());

  it('answers a JPEG frame with frame_index 0 and the detections of the pipeline', async () => {
    const stream = await openStream(app.wsUrl, 'yolo');
    stream.socket.send(zidane);
    const answer = (await stream.next()) as StreamResultMessage;
    expect(answer.frame_index).toBe(0);
    expect(answer.result.image).toEqual({ width: 1280, height: 720 });
    const persons = answer.result.detections.filter((d) => d.label === 'person' && d.score > 0.5);
    expect(persons.length).toBeGreaterThanOrEqual(2);
    expect(answer.result.timings_ms.total).toBeGreaterThan(0);

    stream.socket.send(bus);
    const second = (await stream.next()) as StreamResultMessage;
    expect(second.frame_index).toBe(1);
    expect(second.result.detections.some((d) => d.label === 'bus')).toBe(true);
    stream.socket.close(1000);
    expect((await stream.closed).code).toBe(1000);
  });

  it('refuses an unknown pipeline_id with invalid_pipeline and close 1008', async () => {
    const stream = await openStream(app.wsUrl, 'nope');
    const { message, code } = await expectFatal(stream, 'invalid_pipeline');
    expect(message).toEqual({ error: 'invalid_pipeline', detail: 'Unknown pipeline_id: nope' });
    expect(code).toBe(STREAM_CLOSE_CODES.invalid_pipeline);
  });

  it('refuses a missing pipeline_id the same way', async () => {
    const socket = new WebSocket(`${app.wsUrl}/ws/video/stream`);
    const first = await new Promise<string>((resolve) =>
      socket.once('message', (d: Buffer) => resolve(d.toString('utf8'))),
    );
    const code = await new Promise<number>((resolve) => socket.once('close', resolve));
    expect(JSON.parse(first)).toMatchObject({ error: 'invalid_pipeline' });
    expect(code).toBe(1008);
  });

  it('answers a text message with invalid_message and closes 1003', async () => {
    const stream = await openStream(app.wsUrl, 'yolo');
    stream.socket.send(JSON.stringify({ event: 'frame', data: 'hello' }));
    const { message, code } = await expectFatal(stream, 'invalid_message');
    expect(message).toEqual({ error: 'invalid_message', detail: 'Expected binary frame payload' });
    expect(code).toBe(STREAM_CLOSE_CODES.invalid_message);
  });

  it('answers bytes that are not a JPEG with invalid_frame and closes 1007', async () => {
    const stream = await openStream(app.wsUrl, 'yolo');
    stream.socket.send(Buffer.from('\x89PNG\r\n\x1a\n not a jpeg at all', 'latin1'));
    const { message, code } = await expectFatal(stream, 'invalid_frame');
    expect(message.frame_index).toBe(0);
    expect(code).toBe(STREAM_CLOSE_CODES.invalid_frame);
  });

  it('answers a frame with JPEG markers that does not decode with invalid_frame, not pipeline_failure', async () => {
    const stream = await openStream(app.wsUrl, 'yolo');
    stream.socket.send(zidane);
    await stream.next();
    const garbage = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
      Buffer.alloc(5000, 0x5a),
      Buffer.from([0xff, 0xd9]),
    ]);
    stream.socket.send(garbage);
    const { message, code } = await expectFatal(stream, 'invalid_frame');
    expect(message.frame_index).toBe(1);
    expect(code).toBe(STREAM_CLOSE_CODES.invalid_frame);
    // the server is unharmed
    const again = await openStream(app.wsUrl, 'yolo');
    again.socket.send(zidane);
    expect(((await again.next()) as StreamResultMessage).frame_index).toBe(0);
    again.socket.close();
  });

  it('refuses a 100 MB message with frame_too_large before receiving it, and closes 1009', async () => {
    const stream = await openStream(app.wsUrl, 'yolo');
    const huge = Buffer.alloc(100 * 1024 * 1024, 0xff);
    huge[1] = 0xd8;
    stream.socket.send(huge);
    const message = (await stream.next()) as StreamErrorMessage;
    // Most of the message had not even left this process when the server answered: ws read the
    // frame header, saw the length, and never buffered the payload.
    const stillUnsent = stream.socket.bufferedAmount;
    expect(message).toEqual({ error: 'frame_too_large', detail: 'Frame exceeds 5MB', frame_index: 0 });
    expect(stillUnsent).toBeGreaterThan(50 * 1024 * 1024);
    const { code } = await stream.closed;
    expect(code).toBe(STREAM_CLOSE_CODES.frame_too_large);
  });

  it('counts sessions, frames and errors in /metrics', async () => {
    const processedBefore = await metricValue(app, /^stream_frames_processed_total\{pipeline="yolo"\}/);
    const stream = await openStream(app.wsUrl, 'yolo');
    await waitFor(async () => ((await metricValue(app, /^stream_sessions_active /)) === 1 ? true : undefined), 5000);
    stream.socket.send(zidane);
    await stream.next();
    stream.socket.close();
    await stream.closed;
    await waitFor(async () => ((await metricValue(app, /^stream_sessions_active /)) === 0 ? true : undefined), 5000);
    expect(await metricValue(app, /^stream_frames_processed_total\{pipeline="yolo"\}/)).toBe(processedBefore + 1);
    expect(await metricValue(app, /^stream_errors_total\{code="invalid_pipeline"\}/)).toBeGreaterThanOrEqual(2);
    expect(await metricValue(app, /^stream_frame_processing_seconds_count\{pipeline="yolo"\}/)).toBeGreaterThanOrEqual(
      1,
    );
  });

  it('survives a client that disconnects while its frame is in the pipeline', async () => {
    const before = await metricValue(app, /^stream_frames_processed_total\{pipeline="yolo"\}/);
    for (let i = 0; i < 3; i++) {
      const stream = await openStream(app.wsUrl, 'yolo');
      stream.socket.send(bus);
      await new Promise((r) => setTimeout(r, 2));
      stream.socket.terminate();
      await stream.closed;
    }
    await waitFor(async () => ((await metricValue(app, /^stream_sessions_active /)) === 0 ? true : undefined), 5000);
    // A result that finishes after its client left is discarded, not counted as an answer; one that
    // finished before the server saw the close (a fast machine) was a real answer. Never more.
    expect(await metricValue(app, /^stream_frames_processed_total\{pipeline="yolo"\}/)).toBeLessThanOrEqual(before + 3);
    const stream = await openStream(app.wsUrl, 'yolo');
    stream.socket.send(zidane);
    expect(((await stream.next()) as StreamResultMessage).result.detections.length).toBeGreaterThan(0);
    stream.socket.close();
  });
});

describe('live stream with a small frame limit', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ PIPELINES: 'yolo', STREAM_MAX_FRAME_SIZE_MB: 0.1 });
  });
  afterAll(() => app.close());

  it('refuses a frame over STREAM_MAX_FRAME_SIZE_MB with frame_too_large after good frames', async () => {
    const small = await sharp(zidane).resize(320, 180).jpeg({ quality: 80 }).toBuffer();
    expect(small.length).toBeLessThan(0.1 * 1024 * 1024);
    const stream = await openStream(app.wsUrl, 'yolo');
    stream.socket.send(small);
    expect(((await stream.next()) as StreamResultMessage).result.image).toEqual({ width: 320, height: 180 });
    stream.socket.send(zidane); // 165 KB > 0.1 MB
    const { message, code, reason } = await expectFatal(stream, 'frame_too_large');
    expect(message).toEqual({ error: 'frame_too_large', detail: 'Frame exceeds 0.1MB', frame_index: 1 });
    expect(code).toBe(1009);
    expect(reason).toBe('Frame exceeds 0.1MB');
  });
});
