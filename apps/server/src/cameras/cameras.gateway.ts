import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import { type OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type WebSocket from 'ws';
import { CAMERA_VIEWER_PATH } from '@forgesyte/contracts';
import { CameraViewers } from './camera-viewers';

/**
 * `ws://HOST:PORT/ws/cameras/{id}[?frames=1]`: results and status of one camera. Declared here so
 * GuardedWsAdapter routes the parameterised path and applies the key, Origin and per-client rules.
 */
@WebSocketGateway({ path: CAMERA_VIEWER_PATH })
export class CamerasGateway implements OnGatewayConnection<WebSocket> {
  private readonly logger = new Logger('Cameras');

  constructor(private readonly viewers: CameraViewers) {}

  handleConnection(client: WebSocket, request: IncomingMessage): void {
    client.removeAllListeners('error');
    client.on('error', (err: Error) => this.logger.warn({ event: 'socket_error', message: err.message }));
    void this.viewers.open(client, request.url);
  }
}
