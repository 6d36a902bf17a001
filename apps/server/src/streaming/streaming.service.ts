import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import WebSocket from 'ws';
import { parseSceneGeometry, STREAM_CLOSE_CODES, type StreamErrorCode } from '@forgesyte/contracts';
import { InjectConfig, type AppConfig } from '../config/config';
import { InvalidGeometryError } from '../pipeline/pipeline.errors';
import { PipelineService } from '../pipeline/pipeline.service';
import type { Scene } from '../pipeline/scene';
import type { FrameSocket } from './frame-socket';
import { maxFrameBytes } from './frame-validator';
import { StreamSession } from './stream-session';
import { StreamConnection, type StreamLimits } from './stream-connection';
import { StreamingMetrics } from './streaming.metrics';

/** How long shutdown waits for a client to acknowledge the 1001 close before the socket is cut. */
const SHUTDOWN_CLOSE_WAIT_MS = 1000;

/** Opens, tracks and ends live stream sessions; the gateway hands it each new socket. */
@Injectable()
export class StreamingService implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Streaming');
  private readonly connections = new Set<StreamConnection>();
  private closing = false;
  readonly limits: StreamLimits;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly pipeline: PipelineService,
    private readonly metrics: StreamingMetrics,
  ) {
    this.limits = {
      maxFrameBytes: maxFrameBytes(config.STREAM_MAX_FRAME_SIZE_MB),
      maxFrameSizeMb: config.STREAM_MAX_FRAME_SIZE_MB,
      maxBufferedBytes: config.STREAM_MAX_BUFFERED_KB * 1024,
      idleTimeoutMs: config.STREAM_IDLE_TIMEOUT_S * 1000,
      sessionTimeoutMs: config.STREAM_SESSION_TIMEOUT_S * 1000,
    };
    this.metrics.setActive(0);
  }

  /** Accepts a new socket, or refuses it with an error message and a close. */
  open(socket: FrameSocket, url: string | undefined): StreamConnection | null {
    const params = new URL(url ?? '/', 'ws://localhost').searchParams;
    const pipelineId = params.get('pipeline_id');
    if (this.closing) {
      this.refuse(socket, 'server_shutdown', 'The server is shutting down; reconnect in a moment', pipelineId);
      return null;
    }
    if (pipelineId === null || pipelineId === '' || !this.pipeline.isValidPipeline(pipelineId)) {
      this.refuse(socket, 'invalid_pipeline', `Unknown pipeline_id: ${pipelineId ?? ''}`, pipelineId);
      return null;
    }
    const scene = this.openScene(pipelineId, params);
    if (typeof scene === 'string') {
      this.refuse(socket, 'invalid_geometry', scene, pipelineId);
      return null;
    }
    const frameIntervalMs = parseFrameClock(params.get('fps'));
    if (typeof frameIntervalMs === 'string') {
      this.refuse(socket, 'bad_request', frameIntervalMs, pipelineId);
      return null;
    }
    if (this.connections.size >= this.config.STREAM_MAX_SESSIONS) {
      this.refuse(
        socket,
        'server_busy',
        `Server busy: ${this.config.STREAM_MAX_SESSIONS} live sessions already; retry later`,
        pipelineId,
      );
      return null;
    }
    const session = new StreamSession(pipelineId, {
      dropThreshold: this.config.STREAM_DROP_THRESHOLD,
      slowdownThreshold: this.config.STREAM_SLOWDOWN_THRESHOLD,
    });
    const connection = new StreamConnection(session, socket, {
      pipeline: this.pipeline,
      scene,
      frameIntervalMs,
      metrics: this.metrics,
      logger: this.logger,
      limits: this.limits,
      onEnd: (c) => {
        this.connections.delete(c);
        this.metrics.setActive(this.connections.size);
      },
    });
    this.connections.add(connection);
    this.metrics.setActive(this.connections.size);
    this.logger.log({
      event: 'session_connected',
      session_id: session.sessionId,
      pipeline_id: pipelineId,
      active_sessions: this.connections.size,
    });
    return connection;
  }

  /** The session's scene from the `lines` / `zones` query parameters: null when the pipeline does not track, or why not. */
  private openScene(pipelineId: string, params: URLSearchParams): Scene | null | string {
    const parsed = parseSceneGeometry({ lines: params.get('lines'), zones: params.get('zones') });
    if (!parsed.ok) return parsed.detail;
    try {
      return this.pipeline.createScene(pipelineId, parsed.geometry);
    } catch (error) {
      if (error instanceof InvalidGeometryError) return error.message;
      throw error;
    }
  }

  /** Before the sockets are torn down: running frames finish, then every client is told why and closed 1001. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    const detail = 'The server is shutting down; reconnect in a moment';
    await Promise.all([...this.connections].map((c) => c.shutdown(detail, SHUTDOWN_CLOSE_WAIT_MS)));
  }

  onApplicationShutdown(): void {
    for (const connection of [...this.connections]) connection.end('server_shutdown');
  }

  private refuse(socket: WebSocket, code: StreamErrorCode, detail: string, pipelineId: string | null): void {
    this.logger.warn({ event: 'session_refused', error: code, detail, pipeline_id: pipelineId });
    this.metrics.error(code);
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ error: code, detail }));
    socket.close(STREAM_CLOSE_CODES[code], Buffer.from(detail).subarray(0, 123).toString());
  }
}

/** The most frames a second a client may declare with `fps` (the job submit field allows 240). */
export const MAX_STREAM_FPS = 240;

/**
 * The session's clock from the `fps` query parameter: frame i is taken at i / fps seconds (a recorded video sent at
 * whatever rate the server answers); without it, a frame's time is when it arrived (a live camera). Returns the
 * interval between frames in ms, null when not given, or why the value is refused.
 */
export function parseFrameClock(value: string | null): number | null | string {
  if (value === null) return null;
  const fps = Number(value);
  if (value.trim() === '' || !Number.isFinite(fps) || fps <= 0 || fps > MAX_STREAM_FPS) {
    return `fps must be a number above 0 and at most ${MAX_STREAM_FPS}, got ${JSON.stringify(value.slice(0, 32))}`;
  }
  return 1000 / fps;
}
