import { type WebSocketFactory, type WebSocketLike } from '../realtime-client.service';

/**
 * A WebSocket double driven by the test: it records what the client sends and lets the test play
 * the server's side (open, messages, close) with the same DOM events a browser dispatches.
 */
export class FakeWebSocket implements WebSocketLike {
  binaryType: BinaryType = 'blob';
  readyState = 0;
  onopen: WebSocket['onopen'] = null;
  onmessage: WebSocket['onmessage'] = null;
  onclose: WebSocket['onclose'] = null;
  onerror: WebSocket['onerror'] = null;
  readonly sent: (ArrayBuffer | Blob | string | ArrayBufferView)[] = [];
  closedWith: { code?: number; reason?: string } | null = null;

  constructor(readonly url: string) {}

  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    if (this.readyState !== 1) throw new Error('InvalidStateError: not open');
    this.sent.push(data as ArrayBuffer);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  serverOpen(): void {
    this.readyState = 1;
    this.onopen?.call(this as unknown as WebSocket, new Event('open'));
  }

  serverSend(message: unknown): void {
    const data = typeof message === 'string' ? message : JSON.stringify(message);
    this.onmessage?.call(this as unknown as WebSocket, new MessageEvent('message', { data }));
  }

  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.call(
      this as unknown as WebSocket,
      new CloseEvent('close', { code, reason, wasClean: code !== 1006 }),
    );
  }
}

/** A factory for the WEB_SOCKET_FACTORY token that keeps every socket it made. */
export function fakeSocketFactory(): { factory: WebSocketFactory; sockets: FakeWebSocket[]; last(): FakeWebSocket } {
  const sockets: FakeWebSocket[] = [];
  return {
    sockets,
    factory: (url: string) => {
      const socket = new FakeWebSocket(url);
      sockets.push(socket);
      return socket;
    },
    last: () => {
      const socket = sockets.at(-1);
      if (!socket) throw new Error('no socket was opened');
      return socket;
    },
  };
}
