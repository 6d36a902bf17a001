import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import WebSocket from 'ws';
import { STREAM_CLOSE_CODES, type StreamErrorCode } from '@forgesyte/contracts';
import { InjectConfig, type AppConfig } from '../config/config';
import { PipelineService } from '../pipeline/pipeline.service';
import type { FrameSocket } from './frame-socket';
import { maxFrameBytes } from './frame-validator';
import { StreamSession } from './session';
import { StreamConnection, type StreamLimits } from './stream-connection';
import { StreamingMetrics } from './streaming.metrics';

/** Opens, tracks and ends live stream sessions; the gateway hands it each new socket. */
@Injectable()
export class StreamingService implements OnApplicationShutdown {
  private readonly logger = new Logger('Streaming');
  private readonly connections = new Set<StreamConnection>();
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

  get activeSessions(): number {
    return this.connections.size;
  }

  /** Accepts a new socket, or refuses it with an error message and a close. */
  open(socket: FrameSocket, url: string | undefined): StreamConnection | null {
    const pipelineId = new URL(url ?? '/', 'ws://localhost').searchParams.get('pipeline_id');
    if (pipelineId === null || pipelineId === '' || !this.pipeline.isValidPipeline(pipelineId)) {
      this.refuse(socket, 'invalid_pipeline', `Unknown pipeline_id: ${pipelineId ?? ''}`, pipelineId);
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
