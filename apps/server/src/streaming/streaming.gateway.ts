import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import { type OnGatewayConnection, type OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { WebSocketServer } from 'ws';
import { STREAM_PATH } from '@forgesyte/contracts';
import { FrameSocket } from './frame-socket';
import { StreamingService } from './streaming.service';

/**
 * `ws://HOST:PORT/ws/video/stream?pipeline_id=...`: one binary message per JPEG frame.
 * Thin: the socket goes to StreamingService, which reads raw `message` events itself (the
 * adapter's JSON `{event, data}` routing does not apply to binary frames).
 */
@WebSocketGateway({ path: STREAM_PATH, WebSocket: FrameSocket })
export class StreamingGateway implements OnGatewayInit<WebSocketServer>, OnGatewayConnection<FrameSocket> {
  private readonly logger = new Logger('Streaming');

  constructor(private readonly streaming: StreamingService) {}

  afterInit(server: WebSocketServer): void {
    // ws checks maxPayload against each frame header, before reading the payload, so an
    // oversized frame is refused without being buffered. The decorator is static; the limit is
    // configuration, and ws reads it at each upgrade.
    server.options.maxPayload = this.streaming.limits.maxFrameBytes;
  }

  handleConnection(client: FrameSocket, request: IncomingMessage): void {
    // The adapter's listener logs every socket error at error level; for this endpoint a client
    // sending garbage is routine, so it is logged here as a warning.
    client.removeAllListeners('error');
    client.on('error', (err: Error) => this.logger.warn({ event: 'socket_error', message: err.message }));
    this.streaming.open(client, request.url);
  }
}
