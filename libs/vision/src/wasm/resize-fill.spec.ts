import { letterbox, type Letterbox } from '../letterbox';
import {
  fillTensorResized,
  fillTensorResizedJs,
  ULTRALYTICS_FORMAT,
  YOLOX_FORMAT,
  type TensorFormat,
} from '../preprocess';
import { noiseRgb } from '../testing/noise-image';
import { resizeFillKernel } from './resize-fill';

const RGB_BYTE: TensorFormat = { channelOrder: 'rgb', scale: 1, pad: 0 };
const BGR_UNIT: TensorFormat = { channelOrder: 'bgr', scale: 1 / 255, pad: 0.5 };
const FORMATS = { yolox: YOLOX_FORMAT, ultralytics: ULTRALYTICS_FORMAT, rgb: RGB_BYTE, bgrUnit: BGR_UNIT };

/**
 * Both versions into buffers holding different stale values; where their bits first differ, as
 * `{ index, got, want }`, or null when every value is the same.
 */
function firstDifference(sw: number, sh: number, lb: Letterbox, format: TensorFormat, seed = sw * 31 + sh) {
  const src = { data: noiseRgb(sw, sh, seed), width: sw, height: sh };
  const size = 3 * lb.inputWidth * lb.inputHeight;
  const want = fillTensorResizedJs(src, lb, format, new Float32Array(size).fill(-3));
  const got = fillTensorResized(src, lb, format, new Float32Array(size).fill(-7));
  const [wantBits, gotBits] = [want, got].map((a) => new Uint32Array(a.buffer));
  const index = gotBits!.findIndex((v, i) => v !== wantBits![i]);
  return index < 0 ? null : { index, got: got[index], want: want[index] };
}

describe('the resize-fill WebAssembly kernel', () => {
  it('runs on this Node (SIMD available), so the cases below test it rather than the fallback', () => {
    expect(resizeFillKernel()).not.toBeNull();
  });

  it.each([
    // Downscale, the live frame and larger camera frames.
    [640, 480, 416, 416, 'top-left', 'yolox'],
    [1920, 1080, 416, 416, 'top-left', 'yolox'],
    [1280, 720, 320, 320, 'center', 'ultralytics'],
    [810, 1080, 640, 640, 'center', 'ultralytics'],
    // Upscale, odd sizes, a source row length that is a multiple of 16 bytes and one that is not.
    [7, 5, 13, 13, 'center', 'yolox'],
    [16, 16, 61, 37, 'top-left', 'rgb'],
    [33, 17, 64, 64, 'center', 'bgrUnit'],
    [101, 67, 97, 97, 'center', 'ultralytics'],
    [417, 415, 416, 416, 'top-left', 'yolox'],
    // One row, two columns, tall and thin, nearly the model's size; the last two scale to under 4 pixels wide,
    // which the JavaScript version does alone.
    [5, 1, 6, 6, 'center', 'yolox'],
    [300, 1, 32, 32, 'top-left', 'ultralytics'],
    [2, 9, 20, 20, 'center', 'rgb'],
    [2, 2, 3, 3, 'top-left', 'bgrUnit'],
    [3, 700, 64, 64, 'center', 'yolox'],
  ] as const)('%ix%i into %ix%i (%s, %s): the JavaScript values bit for bit', (sw, sh, iw, ih, placement, format) => {
    const lb = letterbox(sw, sh, iw, ih, placement);
    expect(firstDifference(sw, sh, lb, FORMATS[format])).toBeNull();
  });

  it('matches over a sweep of sizes and offsets, formats and sizes taking turns in one kernel', () => {
    const formats = Object.values(FORMATS);
    let mismatches = 0;
    let cases = 0;
    for (let sw = 2; sw <= 40; sw += 3) {
      for (let sh = 1; sh <= 30; sh += 4) {
        for (const [iw, ih] of [
          [24, 24],
          [17, 29],
        ] as const) {
          const base = letterbox(sw, sh, iw, ih, 'center');
          // Every left/top the letterbox leaves room for, not only the centred one.
          for (const left of [0, iw - base.width]) {
            for (const top of [0, ih - base.height]) {
              const format = formats[cases++ % formats.length]!;
              if (firstDifference(sw, sh, { ...base, left, top }, format, cases)) mismatches++;
            }
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(800);
    expect(mismatches).toBe(0);
  });

  it('writes 0 and 255 (and their scaled values) exactly at the extremes', () => {
    const data = new Uint8Array(6 * 4 * 3);
    for (let i = 0; i < data.length; i += 6) data.fill(255, i, i + 3);
    const src = { data, width: 6, height: 4 };
    const lb = letterbox(6, 4, 12, 12, 'top-left');
    const out = fillTensorResized(src, lb, ULTRALYTICS_FORMAT, new Float32Array(3 * 144));
    const values = new Set(out.subarray(0, 12));
    expect(values.has(1)).toBe(true);
    expect(values.has(0)).toBe(true);
    expect(out.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('reads the source where it lies: a view into a larger buffer, with bytes past the image', () => {
    const big = noiseRgb(64, 64, 5);
    const src = { data: big.subarray(3 * 10), width: 30, height: 20 };
    const lb = letterbox(30, 20, 32, 32, 'center');
    const want = fillTensorResizedJs(src, lb, YOLOX_FORMAT, new Float32Array(3 * 32 * 32));
    expect(fillTensorResized(src, lb, YOLOX_FORMAT, new Float32Array(3 * 32 * 32))).toEqual(want);
  });

  it('grows its memory for a large source, lets a photo-sized one go, and matches after either', () => {
    const kernel = resizeFillKernel()!;
    expect(firstDifference(1920, 1080, letterbox(1920, 1080, 640, 640, 'center'), ULTRALYTICS_FORMAT)).toBeNull();
    // A 1920x1080 frame's memory is kept for the next frame.
    const frame = kernel.memoryBytes;
    expect(frame).toBeGreaterThan(1920 * 1080 * 3);
    expect(firstDifference(1920, 1080, letterbox(1920, 1080, 640, 640, 'center'), YOLOX_FORMAT)).toBeNull();
    expect(kernel.memoryBytes).toBe(frame);
    // A photo's is let go after it.
    expect(firstDifference(3000, 2000, letterbox(3000, 2000, 320, 320, 'center'), ULTRALYTICS_FORMAT)).toBeNull();
    expect(kernel.memoryBytes).toBeLessThan(1920 * 1080 * 3);
    expect(firstDifference(9, 7, letterbox(9, 7, 16, 16, 'center'), YOLOX_FORMAT)).toBeNull();
  });

  it('rejects a tensor or an image of the wrong size before writing anything', () => {
    const lb = letterbox(8, 6, 4, 4, 'top-left');
    const out = new Float32Array(48).fill(-1);
    expect(() => fillTensorResized({ data: new Uint8Array(10), width: 8, height: 6 }, lb, YOLOX_FORMAT, out)).toThrow(
      RangeError,
    );
    expect(() =>
      fillTensorResized({ data: noiseRgb(8, 6, 1), width: 8, height: 6 }, lb, YOLOX_FORMAT, new Float32Array(47)),
    ).toThrow(RangeError);
    expect(Array.from(out)).toEqual(Array<number>(48).fill(-1));
  });
});
