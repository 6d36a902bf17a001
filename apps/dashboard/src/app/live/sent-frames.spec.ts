import { type CapturedFrame, fitInside, sendSize } from './frame-capture';
import { SentFrames } from './sent-frames';

function frame(): CapturedFrame & { closed: () => boolean } {
  let closed = false;
  const bitmap = { close: () => (closed = true), width: 4, height: 3 } as unknown as ImageBitmap;
  return { jpeg: new Blob([]), bitmap, width: 4, height: 3, sent: { width: 4, height: 3 }, closed: () => closed };
}

describe('SentFrames', () => {
  it('hands a result the frame it belongs to and retires older, unanswered ones', () => {
    const frames = new SentFrames();
    const f = [frame(), frame(), frame(), frame()];
    f.forEach((x, i) => frames.add(i, x));
    expect(frames.takeForResult(2)).toBe(f[2]);
    expect(f[0]?.closed() && f[1]?.closed()).toBe(true);
    // The caller draws the returned bitmap and closes it itself.
    expect(f[2]?.closed()).toBe(false);
    expect(frames.size).toBe(1);
    expect(frames.takeForResult(2)).toBeUndefined();
  });

  it('discards dropped frames and bounds what it keeps', () => {
    const frames = new SentFrames(2);
    const f = [frame(), frame(), frame()];
    f.forEach((x, i) => frames.add(i, x));
    expect(frames.size).toBe(2);
    expect(f[0]?.closed()).toBe(true);
    frames.discard(1);
    expect(f[1]?.closed()).toBe(true);
    frames.clear();
    expect(f[2]?.closed()).toBe(true);
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

describe('sendSize', () => {
  it("fits the source inside the pipeline's frame_size, shrunk by the rate's scale, never enlarged", () => {
    const yolo = { width: 416, height: 416 };
    expect(sendSize({ width: 640, height: 480 }, yolo)).toEqual({ width: 416, height: 312 });
    expect(sendSize({ width: 640, height: 360 }, yolo)).toEqual({ width: 416, height: 234 });
    expect(sendSize({ width: 480, height: 640 }, yolo)).toEqual({ width: 312, height: 416 });
    expect(sendSize({ width: 640, height: 480 }, yolo, 0.5)).toEqual({ width: 208, height: 156 });
    // OCR reads small print: a camera is sent as it is, never enlarged.
    const ocr = { width: 1280, height: 1280 };
    expect(sendSize({ width: 640, height: 480 }, ocr)).toEqual({ width: 640, height: 480 });
    expect(sendSize({ width: 1920, height: 1080 }, ocr)).toEqual({ width: 1280, height: 720 });
    expect(sendSize({ width: 320, height: 240 }, yolo)).toEqual({ width: 320, height: 240 });
  });
});
