import { performance } from 'node:perf_hooks';
import type { Logger } from '@nestjs/common';
import WebSocket, { type RawData } from 'ws';
import {
  STREAM_CLOSE_CODES,
  type StreamDropReason,
  type StreamErrorCode,
  type StreamServerMessage,
} from '@forgesyte/contracts';
import { InvalidImageError, SchedulerSaturatedError } from '../pipeline/pipeline.errors';
import type { PipelineService } from '../pipeline/pipeline.service';
import type { Scene } from '../pipeline/scene';
import type { Evaluation } from './backpressure-policy';
import type { FrameSocket } from './frame-socket';
import { frameTooLarge, validateFrame } from './frame-validator';
import type { StreamSession } from './stream-session';
import type { StreamingMetrics } from './streaming.metrics';
import { errorMessage } from '../common/error-message';

export interface StreamLimits {
  maxFrameBytes: number;
  maxFrameSizeMb: number;
  /** Above this many bytes waiting in the socket's send buffer the session is closed. */
  maxBufferedBytes: number;
  idleTimeoutMs: number;
  sessionTimeoutMs: number;
}

export interface ConnectionDeps {
  pipeline: PipelineService;
  /** Tracking pipelines: the session's tracker, lines and zones (counts start at the connection). */
  scene?: Scene | null;
  /** Set by the client's `fps`: frame i is tracked at i x this many ms; otherwise at its arrival on the session. */
  frameIntervalMs?: number | null;
  metrics: StreamingMetrics;
  logger: Logger;
  limits: StreamLimits;
  /** Called once when the session ends, whatever the reason. */
  onEnd(connection: StreamConnection): void;
}

/** frame_dropped is logged at most this often per session, with the count since the last line. */
const DROP_LOG_INTERVAL_MS = 1000;

/**
 * One live stream: frames in, exactly one answer per frame out, in frame_index order.
 *
 * At most one frame per session is in the pipeline. Frames that arrive meanwhile are answered
 * `dropped` (never queued); those answers are held until the running frame's result is sent, so a
 * client always receives answers in the order it sent frames. Since every held frame is one of
 * the frames after the running one, holding them costs no memory: they are `inFlight+1 ..
 * frameIndex-1`.
 */
export class StreamConnection {
  private ended = false;
  /** Aborted when the session ends, so its frame still waiting for a scheduler slot never runs. */
  private readonly gone = new AbortController();
  /** Set at server shutdown: no new frame starts; the one running finishes and is answered first. */
  private draining = false;
  private running: Promise<void> | null = null;
  private readonly idleTimer: NodeJS.Timeout;
  private readonly sessionTimer: NodeJS.Timeout;
  private dropsSinceLog = 0;
  private lastDropLogAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly session: StreamSession,
    private readonly socket: FrameSocket,
    private readonly deps: ConnectionDeps,
  ) {
    const { limits } = deps;
    // Idle means the client has sent nothing since its last answer: a frame the server is still
    // running keeps the session alive, and the wait restarts when that frame is answered.
    this.idleTimer = setTimeout(() => {
      if (this.session.inFlight !== null) this.idleTimer.refresh();
      else this.fail('idle_timeout', `No frame received for ${limits.idleTimeoutMs / 1000} s`);
    }, limits.idleTimeoutMs);
    this.sessionTimer = setTimeout(
      () => this.fail('session_timeout', `Session exceeded ${limits.sessionTimeoutMs / 1000} s; reconnect`),
      limits.sessionTimeoutMs,
    );
    socket.onTooLarge = () => {
      const { error, detail } = frameTooLarge(limits.maxFrameSizeMb);
      this.fail(error as StreamErrorCode, detail, this.session.nextFrame());
    };
    socket.on('message', (data: RawData, isBinary: boolean) => {
      try {
        this.onMessage(data, isBinary);
      } catch (err: unknown) {
        // A bug of ours must cost this session, not the process, and never show a stack trace.
        const message = errorMessage(err);
        deps.logger.error({ event: 'internal_error', ...this.ids(), message });
        this.fail('internal_error', 'Internal error; the session was closed');
      }
    });
    socket.on('close', (code: number) => this.end(`client_closed_${code}`));
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    if (!isBinary) {
      this.fail('invalid_message', 'Expected binary frame payload');
      return;
    }
    const frame = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const index = this.session.nextFrame();
    this.idleTimer.refresh();
    const invalid = validateFrame(frame, this.deps.limits.maxFrameBytes, this.deps.limits.maxFrameSizeMb);
    if (invalid) {
      this.fail(invalid.error as StreamErrorCode, invalid.detail, index);
      return;
    }
    if (this.session.inFlight !== null) {
      this.drop(index, 'busy');
      return;
    }
    if (this.draining) return; // shutdown() answers with server_shutdown once nothing runs

    // A client that does not read its answers gets no more inference; only tiny drop notices.
    if (this.socket.bufferedAmount > this.deps.limits.maxBufferedBytes / 4) {
      this.drop(index, 'client_slow');
      return;
    }
    this.running = this.infer(index, frame, Date.now()).finally(() => (this.running = null));
  }

  /**
   * Server shutdown: lets the running frame finish and answers it, then sends `server_shutdown` and closes 1001.
   * Resolves once the client has acknowledged the close (or after `closeWaitMs`), so the close frame is on the wire
   * before the server tears its sockets down.
   */
  async shutdown(detail: string, closeWaitMs: number): Promise<void> {
    if (this.ended) return;
    this.draining = true;
    await this.running;
    const closed = new Promise<void>((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      const timer = setTimeout(resolve, closeWaitMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.fail('server_shutdown', detail);
    await closed;
  }

  private frameTimeMs(index: number, arrivedAt: number): number {
    const interval = this.deps.frameIntervalMs;
    return interval ? index * interval : arrivedAt - this.session.startedAt;
  }

  /** Runs one frame through the pipeline and answers it (result, drop or error). */
  private async infer(index: number, frame: Buffer, arrivedAt: number): Promise<void> {
    const { session, deps } = this;
    session.inFlight = index;
    const started = performance.now();
    try {
      const result = await deps.pipeline.runOnFrame(session.pipelineId, index, frame, {
        priority: 'live',
        signal: this.gone.signal,
        // Motion is tracked on the session's clock: the client's declared frame rate, else when each frame arrived.
        ...(deps.scene ? { scene: deps.scene, timestampMs: this.frameTimeMs(index, arrivedAt) } : {}),
      });
      const ms = performance.now() - started;
      if (this.ended) {
        deps.logger.debug({ event: 'frame_discarded', ...this.ids(), frame_index: index, processing_ms: ms });
        return;
      }
      session.processedFrames++;
      session.lastProcessedTs = Date.now();
      session.policy.recordProcessing(ms);
      deps.metrics.processed(session.pipelineId, ms / 1000);
      deps.logger.debug({ event: 'frame_processed', ...this.ids(), frame_index: index, processing_ms: round(ms) });
      this.send({ frame_index: index, result });
      this.apply(session.policy.record(Date.now(), 'accepted'));
    } catch (err: unknown) {
      if (this.ended) return;
      if (err instanceof SchedulerSaturatedError) {
        session.inFlight = null;
        this.drop(index, 'saturated');
      } else if (err instanceof InvalidImageError) {
        this.fail('invalid_frame', `Frame does not decode as an image: ${err.message}`, index);
      } else {
        const message = errorMessage(err);
        deps.logger.error({ event: 'pipeline_error', ...this.ids(), frame_index: index, message });
        this.fail('pipeline_failure', `Pipeline ${session.pipelineId} failed on this frame`, index);
      }
    } finally {
      session.inFlight = null;
      this.flushHeldDrops(index);
      if (!this.ended) this.idleTimer.refresh();
    }
  }

  /** Answers the frames that arrived while `index` was running, now that its answer is out. */
  private flushHeldDrops(index: number): void {
    for (let i = index + 1; i < this.session.frameIndex && !this.ended; i++) {
      this.send({ frame_index: i, dropped: true, reason: 'busy' });
    }
  }

  private drop(index: number, reason: StreamDropReason): void {
    const { session, deps } = this;
    session.droppedFrames++;
    deps.metrics.dropped(session.pipelineId, reason);
    this.dropsSinceLog++;
    const now = Date.now();
    if (now - this.lastDropLogAt >= DROP_LOG_INTERVAL_MS) {
      deps.logger.log({
        event: 'frame_dropped',
        ...this.ids(),
        frame_index: index,
        reason,
        dropped_since_last_log: this.dropsSinceLog,
        dropped_frames: session.droppedFrames,
      });
      this.dropsSinceLog = 0;
      this.lastDropLogAt = now;
    }
    // Held back while a frame runs: its result must go out first (see the class comment).
    if (session.inFlight === null) this.send({ frame_index: index, dropped: true, reason });
    this.apply(session.policy.record(now, reason));
  }

  private apply(evaluation: Evaluation): void {
    const { session, deps } = this;
    if (evaluation.previous !== undefined) {
      deps.logger.log({
        event: 'backpressure_state',
        ...this.ids(),
        from: evaluation.previous,
        to: evaluation.state,
        drop_rate: round(evaluation.dropRate),
      });
    }
    if (evaluation.slowDown && !this.ended) {
      deps.metrics.slowDown(session.pipelineId);
      deps.logger.warn({ event: 'slow_down', ...this.ids(), ...evaluation.slowDown });
      this.send({ warning: 'slow_down', ...evaluation.slowDown });
    }
  }

  private send(message: StreamServerMessage): void {
    if (this.ended || this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(JSON.stringify(message));
    if (this.socket.bufferedAmount > this.deps.limits.maxBufferedBytes) {
      this.fail('client_too_slow', 'Client does not read its answers; the send buffer is full');
    }
  }

  /** Sends `{error, detail}` and closes with the code the contract gives that error. */
  fail(code: StreamErrorCode, detail: string, frameIndex?: number): void {
    if (this.ended) return;
    if (this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(
        JSON.stringify(
          frameIndex === undefined ? { error: code, detail } : { error: code, detail, frame_index: frameIndex },
        ),
      );
      // A close reason is limited to 123 bytes.
      this.socket.close(STREAM_CLOSE_CODES[code], Buffer.from(detail).subarray(0, 123).toString());
    }
    this.deps.metrics.error(code);
    this.end(code);
  }

  /** Ends the session: idempotent, called on error, timeout, shutdown or the client's close. */
  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.gone.abort();
    clearTimeout(this.idleTimer);
    clearTimeout(this.sessionTimer);
    this.socket.onTooLarge = undefined;
    this.deps.logger.log({ event: 'session_closed', reason, ...this.session.summary() });
    this.deps.onEnd(this);
  }

  private ids(): { session_id: string; pipeline_id: string } {
    return { session_id: this.session.sessionId, pipeline_id: this.session.pipelineId };
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
