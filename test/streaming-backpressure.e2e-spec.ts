import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  type ClassifiedStreamMessage,
  STREAM_CLOSE_CODES,
  type StreamErrorMessage,
  type StreamSlowDownMessage,
} from '@forgesyte/contracts';
import { openStream, type StreamHandle } from '../examples/stream-client';
import { MEDIA_DIR, metricValue, startApp, untilReady, waitFor, type RunningApp } from './support/app';

const zidane = readFileSync(join(MEDIA_DIR, 'zidane.jpg'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The answer to one frame: its result, or that it was dropped. */
type FrameAnswer = Extract<ClassifiedStreamMessage, { kind: 'result' | 'dropped' }>;

/** Reads answers until every frame below `frames` is answered; slow_down messages are kept apart. */
async function collect(stream: StreamHandle, frames: number) {
  const answers: FrameAnswer[] = [];
  const signals: StreamSlowDownMessage[] = [];
  while (answers.length < frames) {
    const m = await stream.read(30000);
    if (m.kind === 'error') throw new Error(`unexpected error ${m.message.error}: ${m.message.detail}`);
    if (m.kind === 'slow_down') signals.push(m.message);
    else answers.push(m);
  }
  return { answers, signals };
}

describe('stream backpressure: drop, never queue', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ PIPELINES: 'yolo' });
  });
  afterAll(() => app.close());

  it('answers a burst of 30 frames with 30 answers in frame order, and nothing after', async () => {
    const stream = await openStream(app.wsUrl, 'yolo');
    for (let i = 0; i < 30; i++) stream.socket.send(zidane);
    const { answers } = await collect(stream, 30);
    expect(answers.map((a) => a.message.frame_index)).toEqual([...Array(30).keys()]);
    // the first frame found the session idle and ran; the burst behind it was dropped, not queued
    expect(answers[0]?.kind).toBe('result');
    const dropped = answers.flatMap((a) => (a.kind === 'dropped' ? [a.message] : []));
    expect(dropped.length).toBeGreaterThanOrEqual(20);
    expect(dropped.every((d) => d.dropped === true && d.reason === 'busy')).toBe(true);
    // nothing was queued, so nothing arrives late
    await sleep(1000);
    expect(stream.pending).toEqual([]);
    stream.socket.close();
  });

  it('sends slow_down with a lower fps while a client sends faster than it is served', async () => {
    const signalsBefore = await metricValue(app, /^stream_slowdown_signals_total\{/);
    const stream = await openStream(app.wsUrl, 'yolo');
    // 200 fps (4 frames every 20 ms): far more than one CPU session serves on any machine, so the
    // test does not depend on how fast this one is.
    const perTick = 4;
    const frames = 400;
    const started = Date.now();
    const reading = collect(stream, frames);
    for (let i = 0; i < frames; i += perTick) {
      for (let k = 0; k < perTick; k++) stream.socket.send(zidane);
      await sleep(20);
    }
    const { answers, signals } = await reading;
    const elapsedMs = Date.now() - started;
    expect(answers.map((a) => a.message.frame_index)).toEqual([...Array(frames).keys()]);
    const processed = answers.filter((a) => a.kind === 'result').length;
    expect(processed).toBeGreaterThan(0);
    expect(processed).toBeLessThan(frames);
    expect(signals.length).toBeGreaterThanOrEqual(1);
    // at most one signal per 2 s window (400 frames at 200 fps take 2 s, longer on a busy machine)
    expect(signals.length).toBeLessThanOrEqual(Math.floor(elapsedMs / 2000) + 1);
    for (const s of signals) {
      expect(s.warning).toBe('slow_down');
      expect(s.drop_rate).toBeGreaterThan(0.3);
      expect(s.drop_rate).toBeLessThanOrEqual(1);
      expect(s.suggested_fps).toBeGreaterThanOrEqual(1);
      expect(s.suggested_fps).toBeLessThan(200);
      expect(s.window_ms).toBe(2000);
    }
    await waitFor(async () => {
      const now = await metricValue(app, /^stream_slowdown_signals_total\{/);
      return now === signalsBefore + signals.length ? true : undefined;
    }, 5000);
    stream.socket.close();
  });

  it('drops frames at the shared scheduler when many sessions stream at once, and answers every frame', async () => {
    const streams = await Promise.all([0, 1, 2, 3, 4].map(() => openStream(app.wsUrl, 'yolo')));
    const frames = 40;
    const readers = streams.map((s) => collect(s, frames));
    for (let i = 0; i < frames; i++) {
      for (const s of streams) s.socket.send(zidane);
      await sleep(1000 / 30);
    }
    const results = await Promise.all(readers);
    for (const { answers } of results) {
      expect(answers.map((a) => a.message.frame_index)).toEqual([...Array(frames).keys()]);
    }
    const reasons = results.flatMap((r) =>
      r.answers.flatMap((a) => (a.kind === 'dropped' && a.message.reason !== undefined ? [a.message.reason] : [])),
    );
    // Five sessions send at once; two run and two wait (PIPELINE_CONCURRENCY, PIPELINE_LIVE_QUEUE):
    // the fifth finds the shared scheduler full.
    expect(reasons).toContain('saturated');
    expect(await metricValue(app, /^stream_frames_dropped_total\{/)).toBeGreaterThanOrEqual(reasons.length);
    for (const s of streams) s.socket.close();
  });
});

describe('stream session limits', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({
      PIPELINES: 'yolo',
      STREAM_IDLE_TIMEOUT_S: 1,
      STREAM_SESSION_TIMEOUT_S: 3,
      STREAM_MAX_SESSIONS: 2,
    });
    // The session timeouts here are a few seconds: no frame may wait for the models to load.
    await untilReady(app);
  });
  afterAll(() => app.close());

  it('closes a session that sends no frame for STREAM_IDLE_TIMEOUT_S with idle_timeout (4408)', async () => {
    const stream = await openStream(app.wsUrl, 'yolo');
    // A frame being run is not idleness (on a busy machine it may take longer than the idle
    // timeout): the idle clock restarts when the answer is sent, so measure from its arrival.
    stream.socket.send(zidane);
    expect(await stream.read(30000)).toMatchObject({ kind: 'result', message: { frame_index: 0 } });
    const answeredAt = Date.now();
    const error = (await stream.next(5000)) as StreamErrorMessage;
    expect(error).toEqual({ error: 'idle_timeout', detail: 'No frame received for 1 s' });
    expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(900);
    expect((await stream.closed).code).toBe(STREAM_CLOSE_CODES.idle_timeout);
  });

  it('closes a session older than STREAM_SESSION_TIMEOUT_S with session_timeout (4410), even while it streams', async () => {
    const stream = await openStream(app.wsUrl, 'yolo');
    let sending = true;
    const sender = (async () => {
      while (sending && stream.socket.readyState === stream.socket.OPEN) {
        stream.socket.send(zidane);
        await sleep(250);
      }
    })();
    let last: ClassifiedStreamMessage;
    do last = await stream.read(10000);
    while (last.kind !== 'error');
    sending = false;
    await sender;
    expect(last.message).toEqual({ error: 'session_timeout', detail: 'Session exceeded 3 s; reconnect' });
    expect((await stream.closed).code).toBe(STREAM_CLOSE_CODES.session_timeout);
  });

  it('refuses one session more than STREAM_MAX_SESSIONS with server_busy (1013), and accepts again after a close', async () => {
    await waitFor(async () => ((await metricValue(app, /^stream_sessions_active /)) === 0 ? true : undefined), 5000);
    const a = await openStream(app.wsUrl, 'yolo');
    const b = await openStream(app.wsUrl, 'yolo');
    const c = await openStream(app.wsUrl, 'yolo');
    const refused = (await c.next()) as StreamErrorMessage;
    expect(refused.error).toBe('server_busy');
    expect(refused.detail).toMatch(/2 live sessions/);
    expect((await c.closed).code).toBe(STREAM_CLOSE_CODES.server_busy);
    // the two sessions that were accepted still work
    b.socket.send(zidane);
    expect(await b.read()).toMatchObject({ kind: 'result', message: { frame_index: 0 } });
    a.socket.close();
    await a.closed;
    await waitFor(async () => ((await metricValue(app, /^stream_sessions_active /)) === 1 ? true : undefined), 5000);
    const d = await openStream(app.wsUrl, 'yolo');
    d.socket.send(zidane);
    expect(await d.read()).toMatchObject({ kind: 'result' });
    b.socket.close();
    d.socket.close();
  });
});

describe('a client that stops reading', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ PIPELINES: 'yolo', STREAM_MAX_BUFFERED_KB: 16 });
  });
  afterAll(() => app.close());

  it('is closed with client_too_slow (4429) once its unread answers pass STREAM_MAX_BUFFERED_KB', async () => {
    const tiny = await sharp(zidane).resize(64, 36).jpeg({ quality: 50 }).toBuffer();
    const stream = await openStream(app.wsUrl, 'yolo');
    // The kernel's socket buffers (several MB on loopback) fill first; only then does the server's
    // own send buffer grow to the cap. That takes tens of seconds of flooding with tiny frames.
    stream.socket.pause();
    const flood = setInterval(() => {
      for (let i = 0; i < 200 && stream.socket.readyState === stream.socket.OPEN; i++) stream.socket.send(tiny);
    }, 5);
    try {
      await waitFor(
        async () =>
          (await metricValue(app, /^stream_errors_total\{code="client_too_slow"\}/)) >= 1 ? true : undefined,
        60000,
        200,
      );
    } finally {
      clearInterval(flood);
    }
    stream.socket.resume();
    const received: ClassifiedStreamMessage[] = [];
    for (;;) {
      const m = await stream.read(30000).catch(() => null);
      if (m === null) break;
      received.push(m);
    }
    const last = received.at(-1);
    expect(last?.kind).toBe('error');
    expect(last?.message).toMatchObject({ error: 'client_too_slow' });
    expect((await stream.closed).code).toBe(STREAM_CLOSE_CODES.client_too_slow);
    // every answer before the error is one frame, in order, none missing
    const answers = received.flatMap((m) => (m.kind === 'result' || m.kind === 'dropped' ? [m.message] : []));
    expect(answers.map((a) => a.frame_index)).toEqual([...Array(answers.length).keys()]);
    // it kept no more than the cap for this client: the unread answers were the kernel's buffers
    expect(answers.length).toBeGreaterThan(100);
  }, 200000);
});
