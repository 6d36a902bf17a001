import { createServer, STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Logger, type INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import { STREAM_CLOSE_CODES, type ErrorBody } from '@forgesyte/contracts';
import type { AccessService } from './access.service';
import { beforeFirst } from '../common/text';

const logger = new Logger('Access');

/**
 * The one place a WebSocket upgrade is accepted. For any WebSocket path, the gateway's or a
 * hand-written `upgrade` listener's:
 *
 *   server.on('upgrade', (req, socket, head) => {
 *     if (myPathMatches(req.url)) acceptUpgrade(app.get(AccessService), myWsServer, req, socket, head);
 *   });
 *
 * with `myWsServer = new WebSocketServer({ noServer: true })` and its 'connection' listener doing the
 * path's work. Gateways declared with @WebSocketGateway({ path }) get it through GuardedWsAdapter
 * without any code, including paths with parameters (`@WebSocketGateway({ path: '/ws/cameras/:id' })`);
 * that is the simplest way to add a WebSocket path, since the adapter drops upgrades for paths no
 * gateway declares. It applies, in order:
 * - the API key (`?api_key=` or Authorization / X-API-Key) and the Origin check, before the
 *   handshake: refused with HTTP 401 `unauthorized` / 403 `forbidden_origin` and a JSON
 *   `{error, detail}` body, so no socket and no session ever exist for a stranger;
 * - STREAM_MAX_SESSIONS_PER_CLIENT, counted across all paths, after the handshake (a browser
 *   cannot read an HTTP refusal, so this one is a message): `{"error":"rate_limited",...}` and
 *   close 4431. The count is released when the socket closes.
 */
export function acceptUpgrade(
  access: AccessService,
  wsServer: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  const verdict = access.judgeUpgrade(req);
  if (!verdict.ok) {
    logger.warn({
      event: 'upgrade_refused',
      status: verdict.status,
      error: verdict.body.error,
      client: access.clientAddress(req),
      path: pathOf(req.url),
    });
    refuseUpgrade(socket, verdict.status, verdict.body);
    return;
  }
  wsServer.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    const release = access.openSession(verdict.client);
    if (release === null) {
      const detail = `Too many live sessions from this client (at most ${access.maxSessionsPerClient}); close one first`;
      logger.warn({ event: 'session_refused', error: 'rate_limited', client: verdict.client, path: pathOf(req.url) });
      ws.send(JSON.stringify({ error: 'rate_limited', detail } satisfies ErrorBody));
      ws.close(STREAM_CLOSE_CODES.rate_limited, detail.slice(0, 123));
      return;
    }
    ws.once('close', release);
    wsServer.emit('connection', ws, req);
  });
}

/** Answers an upgrade request with a plain HTTP error and closes the connection. */
function refuseUpgrade(socket: Duplex, status: number, body: ErrorBody): void {
  const json = JSON.stringify(body);
  const headers = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(json)}`,
    ...(status === 401 ? ['WWW-Authenticate: Bearer'] : []),
  ];
  socket.on('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end(`${headers.join('\r\n')}\r\n\r\n${json}`);
}

function pathOf(url: string | undefined): string {
  return beforeFirst(url ?? '/', '?');
}

/**
 * Whether a gateway's path serves a request path: segments equal, or a `:name` segment standing
 * for any one non-empty segment (`/ws/cameras/:id`; the gateway reads the id from `request.url`).
 */
export function pathMatches(pattern: string, pathname: string): boolean {
  const want = pattern.split('/');
  const got = pathname.split('/');
  return (
    want.length === got.length && want.every((part, i) => (part.startsWith(':') ? got[i] !== '' : part === got[i]))
  );
}

/**
 * Nest's WsAdapter with its upgrade listener replaced by acceptUpgrade(): every gateway on the
 * HTTP server's port gets the key, Origin and per-client rules. Paths match exactly, as in WsAdapter,
 * or with `:name` segments (pathMatches). An upgrade no gateway serves is dropped, as in WsAdapter.
 */
export class GuardedWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly access: AccessService,
    options?: ConstructorParameters<typeof WsAdapter>[1],
  ) {
    super(app, options);
  }

  protected override ensureHttpServerExists(port: number, httpServer: Server = createServer()): Server | undefined {
    if (this.httpServersRegistry.has(port)) return undefined;
    this.httpServersRegistry.set(port, httpServer);
    httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const servers = (this.wsServersRegistry.get(port) ?? []) as (WebSocketServer & { path: string })[];
      const target = servers.find((s) => pathMatches(s.path, pathOf(req.url)));
      if (target === undefined) {
        socket.destroy();
        return;
      }
      acceptUpgrade(this.access, target, req, socket, head);
    });
    return httpServer;
  }
}
