import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import WebSocket from 'ws';
import { STREAM_CLOSE_CODES, type CameraStatusEvent, type ErrorBody } from '@forgesyte/contracts';
import { InjectConfig, type AppConfig } from '../config/config';
import { errorMessage } from '../common/error-message';
import { CameraBus, type CameraBusEvent } from './camera-bus';
import { mapCamera } from './cameras.dto';
import { CamerasRepository } from './cameras.repository';
import { Clock } from '../common/clock';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Viewer sockets of `/ws/cameras/{id}`: every result and status event of the camera, wherever it
 * is held. A viewer that does not read loses messages (newest wins): nothing is sent while more
 * than STREAM_MAX_BUFFERED_KB waits in its socket, so a slow viewer never grows server memory.
 * Viewers are not inference sessions (STREAM_MAX_SESSIONS) but count toward the per-client limit.
 */
@Injectable()
export class CameraViewers implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Cameras');
  private readonly sockets = new Set<WebSocket>();
  private readonly maxBuffered: number;
  /** Messages a viewer did not get because it was not reading, all viewers together. */
  skipped = 0;

  constructor(
    @InjectConfig() config: AppConfig,
    private readonly bus: CameraBus,
    private readonly repository: CamerasRepository,
    private readonly clock: Clock,
  ) {
    this.maxBuffered = config.STREAM_MAX_BUFFERED_KB * 1024;
  }

  async open(ws: WebSocket, rawUrl: string | undefined): Promise<void> {
    const url = new URL(rawUrl ?? '/', 'http://localhost');
    const id = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    const frames = url.searchParams.get('frames') === '1';
    this.sockets.add(ws);
    ws.once('close', () => this.sockets.delete(ws));
    let camera;
    try {
      camera = UUID.test(id) ? await this.repository.find(id) : null;
    } catch (error) {
      this.logger.warn({ event: 'viewer_error', error: errorMessage(error) });
      this.fail(
        ws,
        'service_unavailable',
        'The database is not reachable; retry in a moment',
        STREAM_CLOSE_CODES.server_busy,
      );
      return;
    }
    if (!camera) {
      this.fail(ws, 'camera_not_found', `no camera ${id.slice(0, 64)}`, STREAM_CLOSE_CODES.camera_not_found);
      return;
    }
    if (ws.readyState !== WebSocket.OPEN) return;
    const unsubscribe = this.bus.subscribe(id, (event) => this.deliver(ws, event, frames));
    ws.once('close', unsubscribe);
    const view = mapCamera(camera, this.clock.now());
    const hello: CameraStatusEvent = { event: 'camera_status', status: view.status };
    if (view.last_error !== null) hello.detail = view.last_error;
    ws.send(JSON.stringify(hello));
    this.logger.log({ event: 'camera_viewer_connected', camera_id: id, frames });
  }

  private deliver(ws: WebSocket, event: CameraBusEvent, frames: boolean): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > this.maxBuffered) {
      this.skipped++;
      return;
    }
    if (event.kind === 'result' && frames) ws.send(event.jpeg, { binary: true });
    ws.send(JSON.stringify(event.message));
  }

  private fail(ws: WebSocket, error: ErrorBody['error'], detail: string, code: number): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ error, detail } satisfies ErrorBody));
    ws.close(code, detail.slice(0, 123));
  }

  beforeApplicationShutdown(): void {
    for (const ws of this.sockets) {
      this.fail(
        ws,
        'server_shutdown',
        'The server is shutting down; reconnect in a moment',
        STREAM_CLOSE_CODES.server_shutdown,
      );
    }
  }
}
