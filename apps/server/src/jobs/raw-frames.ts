/**
 * Cuts a byte stream of packed frames (ffmpeg's rawvideo on a pipe) into frames of `frameBytes`,
 * each its own Buffer (a consumer may still hold earlier ones). Returns the chunk handler.
 */
export function rawFrameSplitter(frameBytes: number, onFrame: (frame: Buffer) => void): (chunk: Buffer) => void {
  let frame = Buffer.allocUnsafe(frameBytes);
  let filled = 0;
  return (chunk) => {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(frameBytes - filled, chunk.length - offset);
      chunk.copy(frame, filled, offset, offset + n);
      filled += n;
      offset += n;
      if (filled === frameBytes) {
        onFrame(frame);
        frame = Buffer.allocUnsafe(frameBytes);
        filled = 0;
      }
    }
  };
}
