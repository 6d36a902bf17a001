import { type CapturedFrame } from './frame-capture';
import { fitInside } from './frame-capture';
import { SentFrames } from './sent-frames';

function frame(): CapturedFrame & { closed: () => boolean } {
  let closed = false;
  const bitmap = { close: () => (closed = true), width: 4, height: 3 } as unknown as ImageBitmap;
  return { jpeg: new Blob([]), bitmap, width: 4, height: 3, closed: () => closed };
}

describe('SentFrames', () => {
  it('hands a result the frame it belongs to and retires older, unanswered ones', () => {
    const frames = new SentFrames();
    const f = [frame(), frame(), frame(), frame()];
    f.forEach((x, i) => frames.add(i, x));
    expect(frames.takeForResult(2)).toBe(f[2]);
    expect(f[0].closed() && f[1].closed()).toBe(true);
    // The caller draws the returned bitmap and closes it itself.
    expect(f[2].closed()).toBe(false);
    expect(frames.size).toBe(1);
    expect(frames.takeForResult(2)).toBeUndefined();
  });

  it('discards dropped frames and bounds what it keeps', () => {
    const frames = new SentFrames(2);
    const f = [frame(), frame(), frame()];
    f.forEach((x, i) => frames.add(i, x));
    expect(frames.size).toBe(2);
    expect(f[0].closed()).toBe(true);
    frames.discard(1);
    expect(f[1].closed()).toBe(true);
    frames.clear();
    expect(f[2].closed()).toBe(true);
    expect(frames.size).toBe(0);
  });
});

describe('fitInside', () => {
  it('keeps the aspect ratio, fits 640x480 and never enlarges', () => {
    expect(fitInside(1280, 720, 640, 480)).toEqual({ width: 640, height: 360 });
    expect(fitInside(768, 432, 640, 480)).toEqual({ width: 640, height: 360 });
    expect(fitInside(480, 640, 640, 480)).toEqual({ width: 360, height: 480 });
    expect(fitInside(320, 240, 640, 480)).toEqual({ width: 320, height: 240 });
    expect(fitInside(1280, 720, 320, 240)).toEqual({ width: 320, height: 180 });
    expect(fitInside(0, 0, 640, 480)).toEqual({ width: 0, height: 0 });
  });
});
