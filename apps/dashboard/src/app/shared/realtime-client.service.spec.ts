import { TestBed } from '@angular/core/testing';
import {
  type PipelineResult,
  type StreamDroppedMessage,
  type StreamResultMessage,
  type StreamSlowDownMessage,
  type SceneGeometry,
} from '@forgesyte/contracts';
import { type SendRate } from './adaptive-rate';
import { ERROR_SENTENCES } from './error-messages';
import { type AccessProbeResult, ApiKeyService } from './api-key.service';
import {
  ACCESS_PROBE,
  type ConnectionState,
  RECONNECT_DELAYS_MS,
  RealtimeClientService,
  STREAM_ORIGIN,
  WEB_SOCKET_FACTORY,
} from './realtime-client.service';
import { type StreamStatsSnapshot } from './stream-stats';
import { fakeSocketFactory } from './testing/fake-web-socket';

const RESULT: PipelineResult = {
  image: { width: 640, height: 480 },
  detections: [{ label: 'person', class_id: 0, score: 0.91, box: { x1: 10, y1: 20, x2: 110, y2: 320 } }],
  texts: [{ text: 'EXIT', score: 0.8, box: { x1: 1, y1: 2, x2: 3, y2: 4 } }],
  timings_ms: { decode: 1, inference: 5, postprocess: 1, total: 7 },
};

function setup(probe: () => Promise<AccessProbeResult> = () => Promise.resolve('other')) {
  const sockets = fakeSocketFactory();
  TestBed.configureTestingModule({
    providers: [
      { provide: WEB_SOCKET_FACTORY, useValue: sockets.factory },
      { provide: STREAM_ORIGIN, useValue: 'ws://forgesyte.test:8000' },
      { provide: ACCESS_PROBE, useValue: probe },
    ],
  });
  const client = TestBed.inject(RealtimeClientService);
  const states: ConnectionState[] = [];
  const rates: SendRate[] = [];
  client.state$.subscribe((s) => states.push(s));
  client.rate$.subscribe((r) => rates.push(r));
  return { client, sockets, states, rates };
}

function jpeg(): ArrayBuffer {
  return new Uint8Array([0xff, 0xd8, 0x00, 0xff, 0xd9]).buffer;
}

describe('RealtimeClientService', () => {
  afterEach(() => jest.useRealTimers());
  beforeEach(() => sessionStorage.clear());

  it('asks whether a socket that never opened was refused for its key, and reconnects at once with a new one', async () => {
    let answer: (result: AccessProbeResult) => void = () => undefined;
    const probe = jest.fn(() => new Promise<AccessProbeResult>((resolve) => (answer = resolve)));
    const { client, sockets } = setup(probe);
    client.connect('yolo');
    sockets.last().serverClose(1006);
    expect(probe).toHaveBeenCalledTimes(1);
    expect(client.state.status).toBe('reconnecting');

    TestBed.inject(ApiKeyService).submit('fresh key');
    answer('new_key');
    await new Promise((r) => setTimeout(r));
    expect(sockets.sockets).toHaveLength(2);
    expect(sockets.last().url).toBe('ws://forgesyte.test:8000/ws/video/stream?pipeline_id=yolo&api_key=fresh%20key');
    expect(client.state).toMatchObject({ status: 'connecting', attempt: 0 });

    // a socket that opened and then dropped is a network loss, not a refusal
    sockets.last().serverOpen();
    sockets.last().serverClose(1006);
    expect(probe).toHaveBeenCalledTimes(1);
  });

  it('stops with an unauthorized error when the operator gives no key', async () => {
    const { client, sockets } = setup(() => Promise.resolve('unauthorized'));
    client.connect('yolo');
    sockets.last().serverClose(1006);
    await new Promise((r) => setTimeout(r));
    expect(client.state).toMatchObject({ status: 'closed', error: { code: 'unauthorized' } });
    expect(client.state.error?.message).toBe(ERROR_SENTENCES.unauthorized);
    await new Promise((r) => setTimeout(r, RECONNECT_DELAYS_MS[0] + 50));
    expect(sockets.sockets).toHaveLength(1);
  });

  it('opens the documented URL with the pipeline id and sends frames as binary, numbered from 0', () => {
    const { client, sockets } = setup();
    client.connect('yolo ocr');
    const socket = sockets.last();
    expect(socket.url).toBe('ws://forgesyte.test:8000/ws/video/stream?pipeline_id=yolo%20ocr');
    expect(socket.binaryType).toBe('arraybuffer');
    expect(client.state.status).toBe('connecting');
    expect(client.sendFrame(jpeg())).toBeNull();
    expect(socket.sent).toHaveLength(0);

    socket.serverOpen();
    expect(client.state.status).toBe('open');
    expect(client.sendFrame(jpeg())).toBe(0);
    expect(client.sendFrame(jpeg())).toBe(1);
    expect(socket.sent).toHaveLength(2);
    expect(socket.sent[0]).toBeInstanceOf(ArrayBuffer);
  });

  it('parses results, drops and slow-down warnings into their own streams', () => {
    const { client, sockets } = setup();
    const results: StreamResultMessage[] = [];
    const drops: StreamDroppedMessage[] = [];
    const warnings: StreamSlowDownMessage[] = [];
    client.results$.subscribe((m) => results.push(m));
    client.dropped$.subscribe((m) => drops.push(m));
    client.slowDown$.subscribe((m) => warnings.push(m));
    client.connect('yolo');
    const socket = sockets.last();
    socket.serverOpen();

    socket.serverSend({ frame_index: 0, result: RESULT });
    socket.serverSend({ frame_index: 1, dropped: true, reason: 'busy' });
    socket.serverSend({ warning: 'slow_down', suggested_fps: 4, drop_rate: 0.5, window_ms: 2000 });
    socket.serverSend('not json');
    socket.serverSend({ something: 'else' });

    expect(results).toEqual([{ frame_index: 0, result: RESULT }]);
    expect(drops).toEqual([{ frame_index: 1, dropped: true, reason: 'busy' }]);
    expect(warnings).toEqual([{ warning: 'slow_down', suggested_fps: 4, drop_rate: 0.5, window_ms: 2000 }]);
    expect(client.state.status).toBe('open');
  });

  it.each([
    ['invalid_pipeline', 1008],
    ['invalid_frame', 1007],
    ['frame_too_large', 1009],
    ['invalid_message', 1003],
    ['pipeline_failure', 4500],
    ['internal_error', 1011],
    ['server_busy', 1013],
    ['idle_timeout', 4408],
    ['session_timeout', 4410],
    ['client_too_slow', 4429],
  ] as const)('turns %s into a closed state with its sentence and no automatic reconnect', (code, closeCode) => {
    jest.useFakeTimers();
    const { client, sockets } = setup();
    client.connect('yolo');
    const socket = sockets.last();
    socket.serverOpen();
    socket.serverSend({ error: code, detail: `server detail for ${code}` });
    socket.serverClose(closeCode);

    expect(client.state).toEqual({
      status: 'closed',
      pipelineId: 'yolo',
      error: { code, detail: `server detail for ${code}`, message: ERROR_SENTENCES[code] },
      attempt: 0,
      retryInMs: null,
    });
    jest.advanceTimersByTime(60_000);
    expect(sockets.sockets).toHaveLength(1);

    client.retry();
    expect(sockets.sockets).toHaveLength(2);
    expect(sockets.last().url).toContain('pipeline_id=yolo');
  });

  it('sends the lines and zones as URL-encoded JSON, keeps them on retry and drops them on a plain connect', () => {
    const { client, sockets } = setup();
    const scene: SceneGeometry = {
      lines: [{ id: 'door', from: [10, 20], to: [300, 20] }],
      zones: [
        {
          id: 'bay',
          points: [
            [0, 0],
            [10, 0],
            [10, 10],
          ],
        },
      ],
    };
    client.connect('yolo_track', scene);
    const url = new URL(sockets.last().url);
    expect(url.searchParams.get('pipeline_id')).toBe('yolo_track');
    expect(JSON.parse(url.searchParams.get('lines') ?? 'null')).toEqual(scene.lines);
    expect(JSON.parse(url.searchParams.get('zones') ?? 'null')).toEqual(scene.zones);
    sockets.last().serverOpen();
    sockets.last().serverSend({ error: 'invalid_geometry', detail: 'lines[0]: bad' });
    sockets.last().serverClose(4000);
    client.retry();
    expect(new URL(sockets.last().url).searchParams.get('lines')).not.toBeNull();
    client.connect('yolo_track');
    expect(sockets.last().url).toBe('ws://forgesyte.test:8000/ws/video/stream?pipeline_id=yolo_track');
  });

  it('reads the error from the close code when the server closes without a message', () => {
    const { client, sockets } = setup();
    client.connect('yolo');
    sockets.last().serverOpen();
    sockets.last().serverClose(4429, 'not reading');
    expect(client.state.status).toBe('closed');
    expect(client.state.error?.code).toBe('client_too_slow');
    expect(client.state.error?.detail).toBe('not reading');
  });

  it('reconnects after a network loss with growing delays, and resets them once connected', () => {
    jest.useFakeTimers();
    const { client, sockets } = setup();
    client.connect('yolo');
    sockets.last().serverOpen();
    sockets.last().serverClose(1006);

    expect(client.state).toMatchObject({ status: 'reconnecting', attempt: 1, retryInMs: RECONNECT_DELAYS_MS[0] });
    expect(client.state.error?.code).toBe('network');
    // Each failed attempt waits longer: 1 s, 2 s, 4 s.
    for (const [i, delay] of [RECONNECT_DELAYS_MS[0], RECONNECT_DELAYS_MS[1], RECONNECT_DELAYS_MS[2]].entries()) {
      jest.advanceTimersByTime(delay - 1);
      expect(sockets.sockets).toHaveLength(1 + i);
      jest.advanceTimersByTime(1);
      expect(sockets.sockets).toHaveLength(2 + i);
      sockets.last().serverClose(1006);
    }
    expect(client.state).toMatchObject({ status: 'reconnecting', attempt: 4, retryInMs: RECONNECT_DELAYS_MS[3] });

    jest.advanceTimersByTime(RECONNECT_DELAYS_MS[3]);
    sockets.last().serverOpen();
    expect(client.state).toMatchObject({ status: 'open', attempt: 0, error: null });
    // Frame numbering restarts with the new session.
    expect(client.sendFrame(jpeg())).toBe(0);

    sockets.last().serverClose(1006);
    expect(client.state.retryInMs).toBe(RECONNECT_DELAYS_MS[0]);
  });

  it('reconnects with backoff after the server says it is shutting down (close 1001), and while it is away', () => {
    jest.useFakeTimers();
    const { client, sockets } = setup();
    client.connect('yolo');
    sockets.last().serverOpen();
    sockets.last().serverSend({ error: 'server_shutdown', detail: 'The server is shutting down' });
    sockets.last().serverClose(1001, 'The server is shutting down');

    expect(client.state).toMatchObject({ status: 'reconnecting', attempt: 1, retryInMs: RECONNECT_DELAYS_MS[0] });
    expect(client.state.error?.code).toBe('server_shutdown');
    expect(client.state.error?.message).toBe(ERROR_SENTENCES.server_shutdown);
    jest.advanceTimersByTime(RECONNECT_DELAYS_MS[0]);
    expect(sockets.sockets).toHaveLength(2);
    // Still restarting: the upgrade fails and the delay grows.
    sockets.last().serverClose(1006);
    expect(client.state).toMatchObject({ status: 'reconnecting', attempt: 2, retryInMs: RECONNECT_DELAYS_MS[1] });
    jest.advanceTimersByTime(RECONNECT_DELAYS_MS[1]);
    sockets.last().serverOpen();
    expect(client.state).toMatchObject({ status: 'open', error: null });

    // The close code alone (the message lost) means the same.
    sockets.last().serverClose(1001);
    expect(client.state.status).toBe('reconnecting');
    expect(client.state.error?.code).toBe('server_shutdown');
  });

  it('caps the backoff at the last delay', () => {
    jest.useFakeTimers();
    const { client, sockets } = setup();
    client.connect('yolo');
    for (let i = 0; i < RECONNECT_DELAYS_MS.length + 3; i++) {
      sockets.last().serverClose(1006);
      jest.advanceTimersByTime(client.state.retryInMs ?? 0);
    }
    sockets.last().serverClose(1006);
    expect(client.state.retryInMs).toBe(RECONNECT_DELAYS_MS.at(-1));
  });

  it('does not reconnect after disconnect(), and ignores events of a replaced socket', () => {
    jest.useFakeTimers();
    const { client, sockets } = setup();
    client.connect('yolo');
    const first = sockets.last();
    first.serverOpen();
    client.connect('ocr');
    expect(first.closedWith?.code).toBe(1000);
    first.serverClose(1006);
    expect(client.state.status).toBe('connecting');
    expect(client.state.pipelineId).toBe('ocr');

    sockets.last().serverOpen();
    client.disconnect();
    expect(client.state.status).toBe('idle');
    jest.advanceTimersByTime(60_000);
    expect(sockets.sockets).toHaveLength(2);
  });

  it('lowers the send rate on slow_down (fps first, then size) and climbs back after clean results', () => {
    const { client, sockets, rates } = setup();
    client.setTargetFps(12);
    client.connect('yolo');
    const socket = sockets.last();
    socket.serverOpen();
    expect(client.rate).toEqual({ fps: 12, scale: 1 });

    socket.serverSend({ warning: 'slow_down', suggested_fps: 5, drop_rate: 0.4 });
    expect(client.rate).toEqual({ fps: 5, scale: 1 });
    socket.serverSend({ warning: 'slow_down', suggested_fps: 5, drop_rate: 0.4 });
    expect(client.rate).toEqual({ fps: 3, scale: 1 });
    socket.serverSend({ warning: 'slow_down', suggested_fps: 1, drop_rate: 0.4 });
    expect(client.rate).toEqual({ fps: 2, scale: 1 });
    socket.serverSend({ warning: 'slow_down', suggested_fps: 1, drop_rate: 0.4 });
    expect(client.rate).toEqual({ fps: 2, scale: 0.75 });

    // A drop interrupts a clean run; results alone bring size back first, then frame rate.
    let index = 0;
    const results = (n: number) => {
      for (let i = 0; i < n; i++) socket.serverSend({ frame_index: index++, result: RESULT });
    };
    results(3);
    socket.serverSend({ frame_index: index++, dropped: true });
    results(3);
    expect(client.rate).toEqual({ fps: 2, scale: 0.75 });
    results(1);
    expect(client.rate).toEqual({ fps: 2, scale: 1 });
    results(4);
    expect(client.rate).toEqual({ fps: 3, scale: 1 });
    results(200);
    expect(client.rate).toEqual({ fps: 12, scale: 1 });
    expect(rates.length).toBeGreaterThan(6);

    // A new connection starts from the operator's target again.
    socket.serverSend({ warning: 'slow_down', suggested_fps: 4, drop_rate: 0.4 });
    client.connect('yolo');
    expect(client.rate).toEqual({ fps: 12, scale: 1 });
  });

  it('keeps the frame size of a stream connected with fixedFrameSize, also across a retry', () => {
    const { client, sockets } = setup();
    client.setTargetFps(2);
    client.connect('yolo_track', null, { fixedFrameSize: true });
    sockets.last().serverOpen();
    sockets.last().serverSend({ warning: 'slow_down', suggested_fps: 1, drop_rate: 0.4 });
    sockets.last().serverSend({ warning: 'slow_down', suggested_fps: 1, drop_rate: 0.4 });
    expect(client.rate).toEqual({ fps: 2, scale: 1 });
    sockets.last().serverSend({ error: 'pipeline_failure', detail: 'x' });
    sockets.last().serverClose(4500);
    client.retry();
    sockets.last().serverOpen();
    sockets.last().serverSend({ warning: 'slow_down', suggested_fps: 1, drop_rate: 0.4 });
    expect(client.rate).toEqual({ fps: 2, scale: 1 });
    // Without the option, the same pressure shrinks the frames.
    client.connect('yolo');
    sockets.last().serverOpen();
    sockets.last().serverSend({ warning: 'slow_down', suggested_fps: 1, drop_rate: 0.4 });
    expect(client.rate).toEqual({ fps: 2, scale: 0.75 });
  });

  it('measures round trips by frame_index, also when answers arrive out of order', () => {
    let now = 1000;
    jest.spyOn(performance, 'now').mockImplementation(() => now);
    const { client, sockets } = setup();
    client.connect('yolo');
    const socket = sockets.last();
    socket.serverOpen();
    client.sendFrame(jpeg()); // 0 at 1000
    now = 1010;
    client.sendFrame(jpeg()); // 1 at 1010
    now = 1012;
    socket.serverSend({ frame_index: 1, dropped: true });
    now = 1040;
    socket.serverSend({ frame_index: 0, result: RESULT });
    now = 1050;
    client.sendFrame(jpeg()); // 2 at 1050
    now = 1110;
    socket.serverSend({ frame_index: 2, result: RESULT });

    let snapshot: StreamStatsSnapshot | undefined;
    client
      .stats$(1000)
      .subscribe((s) => (snapshot = s))
      .unsubscribe();
    expect(snapshot!.rttHistory).toEqual([40, 60]);
    expect(snapshot!.rttP50).toBe(40);
    expect(snapshot!.rttP95).toBe(60);
    expect(snapshot!.dropRate).toBeCloseTo(1 / 3);
    expect(snapshot!.slowDowns).toBe(0);
    expect(snapshot!.fpsSent).toBeCloseTo(1);
  });
});
