import { type CapturedFrame } from './frame-capture';

/**
 * Frames sent and not yet answered, by frame_index. A result is drawn over the very picture it was
 * computed from, so boxes never trail a moving object. Answers come in order of frame_index apart
 * from drops, so a result also retires every older frame.
 */
export class SentFrames {
  private readonly frames = new Map<number, CapturedFrame>();

  constructor(private readonly capacity = 64) {}

  get size(): number {
    return this.frames.size;
  }

  add(frameIndex: number, frame: CapturedFrame): void {
    this.frames.set(frameIndex, frame);
    // Answers lost with a closed socket would otherwise pin bitmaps forever.
    while (this.frames.size > this.capacity) {
      const oldest = this.frames.keys().next().value!;
      this.frames.get(oldest)?.bitmap.close();
      this.frames.delete(oldest);
    }
  }

  /** The frame a result belongs to; it and every older frame leave the buffer. */
  takeForResult(frameIndex: number): CapturedFrame | undefined {
    const frame = this.frames.get(frameIndex);
    for (const [index, older] of this.frames) {
      if (index > frameIndex) break;
      if (index !== frameIndex) older.bitmap.close();
      this.frames.delete(index);
    }
    return frame;
  }

  /** A dropped frame is never drawn: the overlay stays on the last result. */
  discard(frameIndex: number): void {
    this.frames.get(frameIndex)?.bitmap.close();
    this.frames.delete(frameIndex);
  }

  clear(): void {
    for (const frame of this.frames.values()) frame.bitmap.close();
    this.frames.clear();
  }
}
