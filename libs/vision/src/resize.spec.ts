import { resizeRgb } from './resize';
import { noiseRgb } from './testing/noise-image';

/** Float bilinear with half-pixel centres, the definition OpenCV's INTER_LINEAR implements in fixed point. */
function reference(data: Uint8Array, sw: number, sh: number, dw: number, dh: number): number[] {
  const at = (x: number, y: number, c: number) => data[(y * sw + x) * 3 + c] ?? NaN;
  const axis = (i: number, src: number, dst: number): [number, number, number] => {
    const s = Math.max(0, (i + 0.5) * (src / dst) - 0.5);
    const i0 = Math.min(Math.floor(s), src - 1);
    const i1 = Math.min(i0 + 1, src - 1);
    return [i0, i1, i1 === i0 ? 0 : s - i0];
  };
  const out: number[] = [];
  for (let y = 0; y < dh; y++) {
    const [y0, y1, wy] = axis(y, sh, dh);
    for (let x = 0; x < dw; x++) {
      const [x0, x1, wx] = axis(x, sw, dw);
      for (let c = 0; c < 3; c++) {
        const top = at(x0, y0, c) * (1 - wx) + at(x1, y0, c) * wx;
        const bottom = at(x0, y1, c) * (1 - wx) + at(x1, y1, c) * wx;
        out.push(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return out;
}

describe('resizeRgb', () => {
  it.each([
    [640, 480, 416, 312],
    [810, 1080, 312, 416],
    [7, 5, 13, 11],
    [1, 4, 3, 2],
    [5, 1, 2, 3],
  ])('matches float bilinear within one level: %ix%i -> %ix%i', (sw, sh, dw, dh) => {
    const data = noiseRgb(sw, sh, sw * 31 + sh);
    const out = resizeRgb({ data, width: sw, height: sh }, dw, dh);
    expect([out.width, out.height, out.data.length]).toEqual([dw, dh, dw * dh * 3]);
    const want = reference(data, sw, sh, dw, dh);
    let worst = 0;
    want.forEach((w, i) => (worst = Math.max(worst, Math.abs((out.data[i] ?? NaN) - w))));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('keeps a flat image flat and colours in their channels', () => {
    const data = new Uint8Array(20 * 10 * 3);
    for (let i = 0; i < data.length; i += 3) data.set([200, 100, 7], i);
    const out = resizeRgb({ data, width: 20, height: 10 }, 9, 4);
    for (let i = 0; i < out.data.length; i += 3) expect(Array.from(out.data.subarray(i, i + 3))).toEqual([200, 100, 7]);
  });

  it('returns the image itself at its own size, and rejects sizes that are not positive integers', () => {
    const image = { data: noiseRgb(4, 4, 1), width: 4, height: 4 };
    expect(resizeRgb(image, 4, 4)).toBe(image);
    expect(() => resizeRgb(image, 0, 3)).toThrow(RangeError);
    expect(() => resizeRgb(image, 2.5, 3)).toThrow(RangeError);
    expect(() => resizeRgb({ data: new Uint8Array(5), width: 4, height: 4 }, 2, 2)).toThrow(RangeError);
  });
});
