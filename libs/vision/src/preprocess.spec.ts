import { letterbox } from './letterbox';
import { fillTensor, fillTensorResized, ULTRALYTICS_FORMAT, YOLOX_FORMAT } from './preprocess';
import { resizeRgb } from './resize';
import { noiseRgb } from './testing/noise-image';

// A 2x1 image: a red pixel then a blue one.
const RED_BLUE = Uint8Array.from([255, 0, 0, 0, 0, 255]);

describe('fillTensor', () => {
  it('writes YOLOX input as BGR 0..255 at the top-left, padded with 114', () => {
    const lb = letterbox(2, 1, 4, 4, 'top-left');
    // 2x1 into 4x4: scale 2 -> 4x2 image; give it a 4x2 image (each source pixel doubled).
    const rgb = Uint8Array.from([255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255, ...Array<number>(12).fill(10)]);
    const out = fillTensor(rgb, lb, YOLOX_FORMAT, new Float32Array(48));
    const b = Array.from(out.subarray(0, 16));
    const g = Array.from(out.subarray(16, 32));
    const r = Array.from(out.subarray(32, 48));
    expect(b).toEqual([0, 0, 255, 255, 10, 10, 10, 10, 114, 114, 114, 114, 114, 114, 114, 114]);
    expect(g).toEqual([0, 0, 0, 0, 10, 10, 10, 10, 114, 114, 114, 114, 114, 114, 114, 114]);
    expect(r).toEqual([255, 255, 0, 0, 10, 10, 10, 10, 114, 114, 114, 114, 114, 114, 114, 114]);
  });

  it('writes Ultralytics input as RGB 0..1, centred, padded with 114/255', () => {
    const lb = { srcWidth: 2, srcHeight: 1, inputWidth: 2, inputHeight: 3, width: 2, height: 1, left: 0, top: 1 };
    const out = fillTensor(RED_BLUE, lb, ULTRALYTICS_FORMAT, new Float32Array(18));
    const pad = 114 / 255;
    const planes = [0, 1, 2].map((k) => Array.from(out.subarray(k * 6, k * 6 + 6)));
    expect(planes[0]?.[0]).toBeCloseTo(pad, 6);
    expect(planes[0]?.slice(2, 4)).toEqual([1, 0]);
    expect(planes[1]?.slice(2, 4)).toEqual([0, 0]);
    expect(planes[2]?.slice(2, 4)).toEqual([0, 1]);
    expect(planes[2]?.[5]).toBeCloseTo(pad, 6);
  });

  it('overwrites every value of a reused buffer (no stale pixels from the previous frame)', () => {
    const lb = letterbox(2, 1, 2, 2, 'top-left');
    const out = new Float32Array(12).fill(-1);
    fillTensor(RED_BLUE, lb, YOLOX_FORMAT, out);
    expect(Array.from(out)).toEqual([0, 255, 114, 114, 0, 0, 114, 114, 255, 0, 114, 114]);
  });

  it('rejects a buffer of the wrong size', () => {
    expect(() => fillTensor(RED_BLUE, letterbox(2, 1, 2, 2, 'top-left'), YOLOX_FORMAT, new Float32Array(11))).toThrow(
      RangeError,
    );
  });
});

describe('fillTensor padding', () => {
  it('pads every side of a centred image and leaves the image untouched', () => {
    // 2x1 image centred in 4x3: one pad column left, one right, one pad row above and below.
    const lb = { srcWidth: 2, srcHeight: 1, inputWidth: 4, inputHeight: 3, width: 2, height: 1, left: 1, top: 1 };
    const out = fillTensor(RED_BLUE, lb, YOLOX_FORMAT, new Float32Array(36).fill(-1));
    const p = 114;
    // planes B, G, R
    expect(Array.from(out.subarray(0, 12))).toEqual([p, p, p, p, p, 0, 255, p, p, p, p, p]);
    expect(Array.from(out.subarray(12, 24))).toEqual([p, p, p, p, p, 0, 0, p, p, p, p, p]);
    expect(Array.from(out.subarray(24, 36))).toEqual([p, p, p, p, p, 255, 0, p, p, p, p, p]);
  });
});

describe('fillTensorResized', () => {
  it.each([
    [640, 480, 416, 416, 'top-left', YOLOX_FORMAT],
    [810, 1080, 416, 416, 'top-left', YOLOX_FORMAT],
    [1280, 720, 320, 320, 'center', ULTRALYTICS_FORMAT],
    [7, 5, 13, 13, 'center', YOLOX_FORMAT],
    [1, 4, 6, 6, 'top-left', ULTRALYTICS_FORMAT],
    [5, 1, 6, 6, 'center', YOLOX_FORMAT],
  ] as const)(
    'writes what resizeRgb then fillTensor write: %ix%i into %ix%i (%s)',
    (sw, sh, iw, ih, placement, format) => {
      const src = { data: noiseRgb(sw, sh, sw * 17 + sh), width: sw, height: sh };
      const lb = letterbox(sw, sh, iw, ih, placement);
      const scaled = resizeRgb(src, lb.width, lb.height);
      const want = fillTensor(scaled.data, lb, format, new Float32Array(3 * iw * ih));
      // A reused buffer: every value must be overwritten.
      const got = fillTensorResized(src, lb, format, new Float32Array(3 * iw * ih).fill(-7));
      expect(got).toEqual(want);
    },
  );

  it('is fillTensor when the image is already at the letterbox size', () => {
    const lb = letterbox(2, 1, 4, 4, 'top-left');
    const src = { data: noiseRgb(4, 2, 3), width: 4, height: 2 };
    const want = fillTensor(src.data, lb, YOLOX_FORMAT, new Float32Array(48));
    expect(fillTensorResized(src, lb, YOLOX_FORMAT, new Float32Array(48).fill(-1))).toEqual(want);
  });

  it('rejects a tensor or an image of the wrong size before writing anything', () => {
    const lb = letterbox(8, 6, 4, 4, 'top-left');
    const out = new Float32Array(48).fill(-1);
    expect(() => fillTensorResized({ data: new Uint8Array(10), width: 8, height: 6 }, lb, YOLOX_FORMAT, out)).toThrow(
      RangeError,
    );
    expect(Array.from(out)).toEqual(Array<number>(48).fill(-1));
    expect(() =>
      fillTensorResized({ data: noiseRgb(8, 6, 1), width: 8, height: 6 }, lb, YOLOX_FORMAT, new Float32Array(47)),
    ).toThrow(RangeError);
  });
});
