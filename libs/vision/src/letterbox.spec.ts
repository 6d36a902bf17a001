import { letterbox, toImagePixels } from './letterbox';

describe('letterbox', () => {
  it('scales a landscape image to the input width and puts it top-left for YOLOX', () => {
    expect(letterbox(640, 480, 416, 416, 'top-left')).toEqual({
      srcWidth: 640,
      srcHeight: 480,
      inputWidth: 416,
      inputHeight: 416,
      width: 416,
      height: 312,
      left: 0,
      top: 0,
    });
  });

  it('centres a portrait image for Ultralytics, extra pixel of odd padding to the right', () => {
    // 810x1080 into 640: scale 0.5926 -> 480x640, 160 px of padding split 80/80.
    expect(letterbox(810, 1080, 640, 640, 'center')).toMatchObject({ width: 480, height: 640, left: 80, top: 0 });
    // 99 px wide in 100 leaves 1 px of padding: 0 left, 1 right; 3 px: 1 left, 2 right.
    expect(letterbox(99, 100, 100, 100, 'center')).toMatchObject({ width: 99, height: 100, left: 0, top: 0 });
    expect(letterbox(97, 100, 100, 100, 'center')).toMatchObject({ width: 97, left: 1 });
  });

  it('upscales small images', () => {
    expect(letterbox(208, 104, 416, 416, 'center')).toMatchObject({ width: 416, height: 208, left: 0, top: 104 });
  });

  it('pads only to a multiple of the stride for a model that takes any size, by none or at least half a stride', () => {
    // 640x480 -> 416x312: 320 would leave 8 rows of padding, so 352; portrait likewise.
    expect(letterbox(640, 480, 416, 416, 'top-left', 32)).toMatchObject({
      inputWidth: 416,
      inputHeight: 352,
      width: 416,
      height: 312,
      left: 0,
      top: 0,
    });
    expect(letterbox(480, 640, 416, 416, 'top-left', 32)).toMatchObject({ inputWidth: 352, inputHeight: 416 });
    // 1280x720 -> 416x234: 256 leaves 22 rows, enough.
    expect(letterbox(1280, 720, 416, 416, 'top-left', 32)).toMatchObject({ inputWidth: 416, inputHeight: 256 });
    // Already a multiple: no padding at all; centred placement splits what padding there is.
    expect(letterbox(800, 600, 640, 640, 'top-left', 32)).toMatchObject({ inputWidth: 640, inputHeight: 480 });
    expect(letterbox(1000, 500, 640, 640, 'center', 32)).toMatchObject({ inputHeight: 320, height: 320, top: 0 });
    expect(letterbox(1000, 490, 640, 640, 'center', 32)).toMatchObject({ inputHeight: 352, height: 314, top: 19 });
    // The bounds win over the rounding (a bound that is not a multiple of the stride).
    expect(letterbox(100, 100, 100, 100, 'top-left', 32)).toMatchObject({ inputWidth: 100, inputHeight: 100 });
    expect(letterbox(100, 90, 100, 100, 'top-left', 32)).toMatchObject({ inputWidth: 100, inputHeight: 100 });
  });

  it('rejects an empty image', () => {
    expect(() => letterbox(0, 10, 416, 416, 'center')).toThrow(RangeError);
  });
});

describe('toImagePixels', () => {
  it('undoes the centred letterbox', () => {
    const lb = letterbox(810, 1080, 640, 640, 'center');
    const box = toImagePixels({ x1: 80, y1: 0, x2: 560, y2: 320, score: 1, classId: 0 }, lb);
    expect(box).toEqual({ x1: 0, y1: 0, x2: 810, y2: 540, score: 1, classId: 0 });
  });

  it('undoes the top-left placement and clips boxes that stick out of the image', () => {
    const lb = letterbox(640, 480, 416, 416, 'top-left');
    const box = toImagePixels({ x1: -10, y1: 104, x2: 208, y2: 400, score: 0.5, classId: 3 }, lb);
    expect(box.x1).toBe(0);
    expect(box.y1).toBeCloseTo(160, 6);
    expect(box.x2).toBeCloseTo(320, 6);
    expect(box.y2).toBe(480);
  });

  it('maps to a different original size (a frame that was scaled before it reached us)', () => {
    const lb = letterbox(416, 234, 416, 416, 'top-left');
    const box = toImagePixels({ x1: 104, y1: 117, x2: 208, y2: 234 }, lb, { width: 1280, height: 720 });
    expect(box).toEqual({ x1: 320, y1: 360, x2: 640, y2: 720 });
  });
});
