import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import WebSocket from 'ws';
import {
  classifyStreamMessage,
  hasGeometry,
  STREAM_CLOSE_CODES,
  type PipelineResult,
  type SceneGeometry,
} from '@forgesyte/contracts';
import { APP_CONFIG, buildConfig } from '../config/config';
import { InvalidGeometryError, InvalidImageError, SchedulerSaturatedError } from '../pipeline/pipeline.errors';
import { PipelineService, type RunOptions } from '../pipeline/pipeline.service';
import { Scene } from '../pipeline/scene';
import { SceneTracker } from '@forgesyte/vision';
import type { FrameSocket } from './frame-socket';
import type { StreamConnection } from './stream-connection';
import { StreamingMetrics } from './streaming.metrics';
import { StreamingService } from './streaming.service';

/** The smallest buffer the frame check takes for a JPEG: start and end markers. */
const JPEG = Buffer.from([0xff, 0xd8, 0x00, 0x00, 0xff, 0xd9]);
const RESULT: PipelineResult = {
  image: { width: 4, height: 3 },
  detections: [],
  texts: [],
  timings_ms: { decode: 0, inference: 0, postprocess: 0, total: 0 },
};

/** The socket as StreamConnection uses it: messages in, text out, a close with a code. */
class FakeSocket extends EventEmitter {
  readyState: number = WebSocket.OPEN;
  bufferedAmount = 0;
  onTooLarge?: () => void;
  readonly sent: unknown[] = [];
  closedWith: { code: number; reason: string } | null = null;

  send(text: string): void {
    this.sent.push(classifyStreamMessage(text));
  }

  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
    this.readyState = WebSocket.CLOSED;
  }

  frame(bytes: Buffer = JPEG): void {
    this.emit('message', bytes, true);
  }
}

/** A pipeline whose runs the spec settles one by one. */
class ControlledPipeline {
  readonly runs: {
    index: number;
    timestampMs?: number;
    resolve(r: PipelineResult): void;
    reject(e: unknown): void;
  }[] = [];

  isValidPipeline(id: string): boolean {
    return id === 'yolo' || id === 'yolo_track';
  }

  runOnFrame(_id: string, index: number, _frame: Buffer, options: RunOptions): Promise<PipelineResult> {
    return new Promise((resolve, reject) =>
      this.runs.push({ index, timestampMs: options.timestampMs, resolve, reject }),
    );
  }

  /** `yolo` is like a pipeline without a track node; `yolo_track` gives every session a scene. */
  createScene(id: string, geometry: SceneGeometry): Scene | null {
    if (id === 'yolo_track') return new Scene(id, new SceneTracker({ lines: geometry.lines, zones: geometry.zones }));
    if (hasGeometry(geometry)) throw new InvalidGeometryError(`pipeline ${id} does not track objects`);
    return null;
  }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('StreamConnection (through StreamingService)', () => {
  let streaming: StreamingService;
  let pipeline: ControlledPipeline;
  let metrics: {
    setActive: jest.Mock;
    processed: jest.Mock;
    dropped: jest.Mock;
    slowDown: jest.Mock;
    error: jest.Mock;
  };
  let logged: { level: string; event: unknown }[];

  async function start(overrides: Parameters<typeof buildConfig>[0] = {}): Promise<void> {
    pipeline = new ControlledPipeline();
    metrics = { setActive: jest.fn(), processed: jest.fn(), dropped: jest.fn(), slowDown: jest.fn(), error: jest.fn() };
    const module = await Test.createTestingModule({
      providers: [
        StreamingService,
        { provide: APP_CONFIG, useValue: buildConfig({ STREAM_MAX_BUFFERED_KB: 64, ...overrides }) },
        { provide: PipelineService, useValue: pipeline },
        { provide: StreamingMetrics, useValue: metrics },
      ],
    }).compile();
    streaming = module.get(StreamingService);
  }

  function connect(url = '/ws/video/stream?pipeline_id=yolo'): {
    socket: FakeSocket;
    connection: StreamConnection | null;
  } {
    const socket = new FakeSocket();
    const connection = streaming.open(socket as unknown as FrameSocket, url);
    return { socket, connection };
  }

  beforeEach(async () => {
    logged = [];
    for (const level of ['log', 'warn', 'error', 'debug'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        logged.push({ level, event: args[0] });
      });
    }
    await start();
  });

  afterEach(() => {
    streaming.onApplicationShutdown();
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  describe('refusals at connect', () => {
    it('refuses an unknown or missing pipeline with invalid_pipeline and 1008', () => {
      for (const url of ['/ws/video/stream?pipeline_id=nope', '/ws/video/stream']) {
        const { socket, connection } = connect(url);
        expect(connection).toBeNull();
        expect(socket.sent).toEqual([
          { kind: 'error', message: expect.objectContaining({ error: 'invalid_pipeline' }) as unknown },
        ]);
        expect(socket.closedWith?.code).toBe(STREAM_CLOSE_CODES.invalid_pipeline);
      }
      expect(metrics.error).toHaveBeenCalledWith('invalid_pipeline');
    });

    it('refuses lines or zones that do not parse, or that the pipeline cannot count, with invalid_geometry and 4422', () => {
      const door = encodeURIComponent(JSON.stringify([{ id: 'door', from: [0, 0], to: [10, 0] }]));
      for (const [query, detail] of [
        ['lines=not-json', /lines is not valid JSON/],
        [`lines=${encodeURIComponent('[{"id":"a","from":[0,0],"to":[0,0]}]')}`, /from and to are the same point/],
        [`zones=${encodeURIComponent('[{"id":"z","points":[[0,0],[1,1]]}]')}`, /3 to 256 points/],
        [`lines=${door}`, /does not track objects/],
      ] as const) {
        const { socket, connection } = connect(`/ws/video/stream?pipeline_id=yolo&${query}`);
        expect(connection).toBeNull();
        expect(socket.sent).toEqual([
          {
            kind: 'error',
            message: expect.objectContaining({
              error: 'invalid_geometry',
              detail: expect.stringMatching(detail) as unknown,
            }) as unknown,
          },
        ]);
        expect(socket.closedWith?.code).toBe(4422);
      }
      expect(pipeline.runs).toEqual([]);
    });

    it('refuses an fps that is not a positive number up to 240 with bad_request and 4400', () => {
      for (const fps of ['0', '-5', 'ten', '', '241', 'Infinity']) {
        const { socket, connection } = connect(`/ws/video/stream?pipeline_id=yolo_track&fps=${fps}`);
        expect(connection).toBeNull();
        expect(socket.sent).toEqual([
          {
            kind: 'error',
            message: expect.objectContaining({
              error: 'bad_request',
              detail: expect.stringMatching(/^fps must be/) as unknown,
            }) as unknown,
          },
        ]);
        expect(socket.closedWith?.code).toBe(4400);
      }
      expect(connect('/ws/video/stream?pipeline_id=yolo_track&fps=240').connection).not.toBeNull();
    });

    it('refuses a session over STREAM_MAX_SESSIONS with server_busy and 1013, and counts active sessions', async () => {
      await start({ STREAM_MAX_SESSIONS: 1 });
      const first = connect();
      expect(first.connection).not.toBeNull();
      expect(metrics.setActive).toHaveBeenLastCalledWith(1);
      const second = connect();
      expect(second.connection).toBeNull();
      expect(second.socket.closedWith?.code).toBe(STREAM_CLOSE_CODES.server_busy);
      first.socket.emit('close', 1000);
      expect(metrics.setActive).toHaveBeenLastCalledWith(0);
      expect(connect().connection).not.toBeNull();
    });
  });

  describe('answers', () => {
    it('answers a frame with its result, counted and timed', async () => {
      const { socket } = connect();
      socket.frame();
      expect(pipeline.runs.map((r) => r.index)).toEqual([0]);
      pipeline.runs[0]?.resolve(RESULT);
      await settle();
      expect(socket.sent).toEqual([{ kind: 'result', message: { frame_index: 0, result: RESULT } }]);
      expect(metrics.processed).toHaveBeenCalledWith('yolo', expect.any(Number));
    });

    it('tracks frames at their arrival on the session, or at index / fps when the client declares fps', async () => {
      jest.useFakeTimers({ now: 1_000_000 });
      const answer = async (run: number) => {
        pipeline.runs[run]!.resolve(RESULT);
        await jest.advanceTimersByTimeAsync(0);
      };
      const live = connect('/ws/video/stream?pipeline_id=yolo_track');
      jest.advanceTimersByTime(40);
      live.socket.frame();
      await answer(0);
      jest.advanceTimersByTime(900);
      live.socket.frame();
      await answer(1);
      expect(pipeline.runs.map((r) => r.timestampMs)).toEqual([40, 940]);

      const replay = connect('/ws/video/stream?pipeline_id=yolo_track&fps=10');
      for (const [run, wait] of [
        [2, 40],
        [3, 900],
        [4, 5],
      ] as const) {
        jest.advanceTimersByTime(wait);
        replay.socket.frame();
        await answer(run);
      }
      expect(pipeline.runs.slice(2).map((r) => r.timestampMs)).toEqual([0, 100, 200]);
    });

    it('drops frames that arrive while one runs as busy, holding those answers until its result is out', async () => {
      const { socket } = connect();
      socket.frame();
      socket.frame();
      socket.frame();
      expect(pipeline.runs).toHaveLength(1);
      expect(socket.sent).toEqual([]);
      pipeline.runs[0]?.resolve(RESULT);
      await settle();
      expect(socket.sent).toEqual([
        { kind: 'result', message: { frame_index: 0, result: RESULT } },
        { kind: 'dropped', message: { frame_index: 1, dropped: true, reason: 'busy' } },
        { kind: 'dropped', message: { frame_index: 2, dropped: true, reason: 'busy' } },
      ]);
      expect(metrics.dropped.mock.calls).toEqual([
        ['yolo', 'busy'],
        ['yolo', 'busy'],
      ]);
      // The next frame runs again.
      socket.frame();
      expect(pipeline.runs.map((r) => r.index)).toEqual([0, 3]);
    });

    it('drops a frame as saturated when the shared scheduler is full, and the session goes on', async () => {
      const { socket } = connect();
      socket.frame();
      pipeline.runs[0]?.reject(new SchedulerSaturatedError());
      await settle();
      expect(socket.sent).toEqual([
        { kind: 'dropped', message: { frame_index: 0, dropped: true, reason: 'saturated' } },
      ]);
      socket.frame();
      expect(pipeline.runs).toHaveLength(2);
      expect(socket.closedWith).toBeNull();
    });

    it('runs no inference for a client that does not read its answers: client_slow drops', () => {
      const { socket } = connect();
      socket.bufferedAmount = 16 * 1024 + 1; // over a quarter of STREAM_MAX_BUFFERED_KB
      socket.frame();
      expect(pipeline.runs).toHaveLength(0);
      expect(socket.sent).toEqual([
        { kind: 'dropped', message: { frame_index: 0, dropped: true, reason: 'client_slow' } },
      ]);
      expect(metrics.dropped).toHaveBeenCalledWith('yolo', 'client_slow');
    });

    it('tells a client that keeps sending too fast to slow down', async () => {
      const { socket } = connect();
      for (let round = 0; round < 10; round++) {
        socket.frame();
        socket.frame();
        socket.frame();
        pipeline.runs[pipeline.runs.length - 1]?.resolve(RESULT);
        await settle();
      }
      const slowDowns = socket.sent.filter((m) => (m as { kind: string }).kind === 'slow_down');
      expect(slowDowns).toHaveLength(1);
      expect(slowDowns[0]).toMatchObject({
        message: { warning: 'slow_down', suggested_fps: expect.any(Number) as unknown },
      });
      expect(metrics.slowDown).toHaveBeenCalledWith('yolo');
      expect(socket.closedWith).toBeNull();
    });

    it('sends nothing for a frame whose client left while it ran', async () => {
      const { socket } = connect();
      socket.frame();
      socket.emit('close', 1001);
      pipeline.runs[0]?.resolve(RESULT);
      await settle();
      expect(socket.sent).toEqual([]);
      expect(metrics.processed).not.toHaveBeenCalled();
    });
  });

  describe('errors: one {error, detail} message, then the close code the contract gives it', () => {
    function expectClosed(socket: FakeSocket, error: keyof typeof STREAM_CLOSE_CODES, frameIndex?: number): void {
      const last = socket.sent[socket.sent.length - 1] as { kind: string; message: Record<string, unknown> };
      expect(last.kind).toBe('error');
      expect(last.message.error).toBe(error);
      expect(last.message.frame_index).toBe(frameIndex);
      expect(socket.closedWith?.code).toBe(STREAM_CLOSE_CODES[error]);
      expect(metrics.error).toHaveBeenCalledWith(error);
      expect(metrics.setActive).toHaveBeenLastCalledWith(0);
    }

    it('pipeline_failure (4500) when the pipeline throws on a valid frame, logged server-side', async () => {
      const { socket } = connect();
      socket.frame();
      pipeline.runs[0]?.reject(new Error('onnx: out of memory'));
      await settle();
      expectClosed(socket, 'pipeline_failure', 0);
      expect(logged).toContainEqual({
        level: 'error',
        event: expect.objectContaining({
          event: 'pipeline_error',
          frame_index: 0,
          message: 'onnx: out of memory',
        }) as unknown,
      });
      // The detail never carries the server's message.
      expect(JSON.stringify(socket.sent)).not.toContain('out of memory');
    });

    it('internal_error (1011) when handling a message throws, without a stack trace to the client', () => {
      const { socket } = connect();
      Object.defineProperty(socket, 'bufferedAmount', {
        get: () => {
          throw new TypeError('cannot read buffer');
        },
      });
      socket.frame();
      expectClosed(socket, 'internal_error');
      expect(JSON.stringify(socket.sent)).not.toContain('cannot read buffer');
      expect(logged).toContainEqual({
        level: 'error',
        event: expect.objectContaining({ event: 'internal_error', message: 'cannot read buffer' }) as unknown,
      });
    });

    it('invalid_frame (1007) for bytes that are not a JPEG, and for a JPEG the decoder refuses', async () => {
      const first = connect();
      first.socket.frame(Buffer.from('not a jpeg'));
      expectClosed(first.socket, 'invalid_frame', 0);
      expect(pipeline.runs).toHaveLength(0);

      const second = connect();
      second.socket.frame();
      pipeline.runs[0]?.reject(new InvalidImageError('corrupt huffman table'));
      await settle();
      expectClosed(second.socket, 'invalid_frame', 0);
    });

    it('invalid_message (1003) for a text message', () => {
      const { socket } = connect();
      socket.emit('message', Buffer.from('hello'), false);
      expectClosed(socket, 'invalid_message');
    });

    it('frame_too_large (1009) when ws reports an oversized frame', () => {
      const { socket } = connect();
      socket.frame();
      socket.onTooLarge!();
      expectClosed(socket, 'frame_too_large', 1);
    });

    it('client_too_slow (4429) once unread answers pass STREAM_MAX_BUFFERED_KB', async () => {
      const { socket } = connect();
      socket.frame();
      socket.bufferedAmount = 64 * 1024 + 1;
      pipeline.runs[0]?.resolve(RESULT);
      await settle();
      expectClosed(socket, 'client_too_slow');
    });

    it('idle_timeout (4408) with no frame for STREAM_IDLE_TIMEOUT_S; each frame restarts the wait', async () => {
      jest.useFakeTimers();
      await start({ STREAM_IDLE_TIMEOUT_S: 5 });
      const { socket } = connect();
      jest.advanceTimersByTime(4000);
      socket.frame();
      pipeline.runs[0]?.resolve(RESULT);
      await jest.advanceTimersByTimeAsync(4000);
      expect(socket.closedWith).toBeNull();
      await jest.advanceTimersByTimeAsync(1001);
      expectClosed(socket, 'idle_timeout');
    });

    it('a frame the server is still running is not idleness: the wait restarts when it is answered', async () => {
      jest.useFakeTimers();
      await start({ STREAM_IDLE_TIMEOUT_S: 2 });
      const { socket } = connect();
      socket.frame();
      // the pipeline takes 5 s over this frame: longer than the idle timeout
      await jest.advanceTimersByTimeAsync(5000);
      expect(socket.closedWith).toBeNull();
      pipeline.runs[0]?.resolve(RESULT);
      await jest.advanceTimersByTimeAsync(1900);
      expect(socket.closedWith).toBeNull();
      expect(socket.sent).toEqual([{ kind: 'result', message: { frame_index: 0, result: RESULT } }]);
      await jest.advanceTimersByTimeAsync(200);
      expectClosed(socket, 'idle_timeout');
    });

    it('session_timeout (4410) after STREAM_SESSION_TIMEOUT_S however busy the session is', async () => {
      jest.useFakeTimers();
      await start({ STREAM_SESSION_TIMEOUT_S: 3, STREAM_IDLE_TIMEOUT_S: 2 });
      const { socket } = connect();
      for (let t = 0; t < 3; t++) {
        socket.frame();
        jest.advanceTimersByTime(1000);
      }
      expectClosed(socket, 'session_timeout');
    });

    it('answers nothing after an error: later frames are ignored', () => {
      const { socket } = connect();
      socket.emit('message', Buffer.from('hello'), false);
      const count = socket.sent.length;
      socket.frame();
      expect(socket.sent).toHaveLength(count);
      expect(pipeline.runs).toHaveLength(0);
    });
  });
});
