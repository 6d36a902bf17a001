import WebSocket from 'ws';

/**
 * The socket class the stream's ws server creates (ws option `WebSocket`).
 *
 * When a message exceeds `maxPayload`, ws stops reading it at the frame header (so an oversized
 * frame is never buffered) and closes the socket itself with a bare 1009. The contract wants the
 * `frame_too_large` error message first; ws's only way in is this `close` call, so the session
 * installs `onTooLarge` to send the error and close with a reason instead.
 */
export class FrameSocket extends WebSocket {
  onTooLarge?: () => void;

  override close(code?: number, data?: string | Buffer): void {
    const hook = this.onTooLarge;
    if (code === 1009 && data === undefined && hook) {
      this.onTooLarge = undefined;
      hook();
      if (this.readyState !== WebSocket.OPEN) return;
    }
    super.close(code, data);
  }
}
