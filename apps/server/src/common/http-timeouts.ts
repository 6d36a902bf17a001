import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * HTTP_HEADERS_TIMEOUT_S: a connection that opens TCP and does not complete its request headers (a plain request or a
 * WebSocket upgrade) within this time is closed, so idle or trickling sockets cannot pile up.
 *
 * Node's own `headersTimeout` covers it too, but Node only checks it every 30 s (`connectionsCheckingInterval`, fixed
 * when the server is created, which Nest does), so a first request gets its own timer here; later requests on a
 * keep-alive connection are left to Node's check.
 */
export function applyHttpTimeouts(server: Server, headersTimeoutS: number): void {
  const ms = headersTimeoutS * 1000;
  server.headersTimeout = ms;
  server.requestTimeout = Math.max(server.requestTimeout, ms);
  const pending = new WeakMap<Socket, NodeJS.Timeout>();
  const settled = (socket: Socket): void => {
    clearTimeout(pending.get(socket));
    pending.delete(socket);
  };
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), ms);
    timer.unref();
    pending.set(socket, timer);
    socket.once('close', () => settled(socket));
  });
  server.on('request', (req: { socket: Socket }) => settled(req.socket));
  server.on('upgrade', (req: { socket: Socket }) => settled(req.socket));
}
