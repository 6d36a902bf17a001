import { type Point, type Quad } from './geometry';
import { type RgbImage } from './image';

/** Recognition input height fixed by the PP-OCRv4 recognition model. */
export const REC_HEIGHT = 48;

/** Width and height of the text inside a quad, measured along its own edges. */
export function quadSize(q: Quad): { width: number; height: number } {
  const d = (a: Point, b: Point) => Math.hypot(b[0] - a[0], b[1] - a[1]);
  return { width: Math.max(d(q[0], q[1]), d(q[3], q[2])), height: Math.max(d(q[0], q[3]), d(q[1], q[2])) };
}

/**
 * Corner order the crop is read in. Text much taller than wide is assumed to run top to bottom, so it is turned a
 * quarter counter-clockwise (PaddleOCR's `rot90`) before recognition, which only reads horizontal lines.
 */
export function readingQuad(q: Quad): Quad {
  const { width, height } = quadSize(q);
  return height >= 1.5 * width ? [q[1], q[2], q[3], q[0]] : q;
}

/** Width of the crop once resized to `REC_HEIGHT`, keeping its aspect, capped at `maxWidth`. */
export function recTargetWidth(q: Quad, maxWidth: number): number {
  const { width, height } = quadSize(q);
  if (height <= 0) return 1;
  return Math.max(1, Math.min(maxWidth, Math.ceil((REC_HEIGHT * width) / height)));
}

/**
 * Samples the quad (corners in image pixels, first edge = top of the text) into one batch slot of the recognition
 * tensor: `targetWidth` columns of content, zero (mid-grey after normalisation) up to `tensorWidth`, planar B, G, R,
 * values (x / 255 - 0.5) / 0.5. The quad is mapped as a bilinear patch, exact for the rectangles the detector gives,
 * and each output pixel averages k x k bilinear samples when the crop shrinks by k, to avoid aliasing thin strokes.
 */
export function fillRecSlot(
  image: RgbImage,
  quad: Quad,
  dst: Float32Array,
  slot: number,
  tensorWidth: number,
  targetWidth: number,
): void {
  const { data, width: iw, height: ih } = image;
  const plane = REC_HEIGHT * tensorWidth;
  const base = slot * 3 * plane;
  dst.fill(0, base, base + 3 * plane);
  const [p0, p1, p2, p3] = quad;
  const size = quadSize(quad);
  const k = Math.max(1, Math.min(4, Math.ceil(Math.max(size.width / targetWidth, size.height / REC_HEIGHT) - 0.25)));
  const inv = 1 / (k * k);
  const maxX = iw - 1;
  const maxY = ih - 1;
  for (let v = 0; v < REC_HEIGHT; v++) {
    for (let u = 0; u < targetWidth; u++) {
      let b = 0;
      let g = 0;
      let r = 0;
      for (let sv = 0; sv < k; sv++) {
        const t = (v + (sv + 0.5) / k) / REC_HEIGHT;
        // Left and right edges at this height, then along the row.
        const lx = p0[0] + (p3[0] - p0[0]) * t;
        const ly = p0[1] + (p3[1] - p0[1]) * t;
        const rx = p1[0] + (p2[0] - p1[0]) * t;
        const ry = p1[1] + (p2[1] - p1[1]) * t;
        for (let su = 0; su < k; su++) {
          const s = (u + (su + 0.5) / k) / targetWidth;
          // Continuous coordinates put pixel centres at i + 0.5.
          let x = lx + (rx - lx) * s - 0.5;
          let y = ly + (ry - ly) * s - 0.5;
          x = x < 0 ? 0 : x > maxX ? maxX : x;
          y = y < 0 ? 0 : y > maxY ? maxY : y;
          const x0 = x | 0;
          const y0 = y | 0;
          const x1 = x0 < maxX ? x0 + 1 : maxX;
          const y1 = y0 < maxY ? y0 + 1 : maxY;
          const wx = x - x0;
          const wy = y - y0;
          const i00 = (y0 * iw + x0) * 3;
          const i01 = (y0 * iw + x1) * 3;
          const i10 = (y1 * iw + x0) * 3;
          const i11 = (y1 * iw + x1) * 3;
          const w00 = (1 - wx) * (1 - wy);
          const w01 = wx * (1 - wy);
          const w10 = (1 - wx) * wy;
          const w11 = wx * wy;
          // Hot loop: the corners are clamped to the image above, so the reads are asserted, not checked.
          r += data[i00]! * w00 + data[i01]! * w01 + data[i10]! * w10 + data[i11]! * w11;
          g += data[i00 + 1]! * w00 + data[i01 + 1]! * w01 + data[i10 + 1]! * w10 + data[i11 + 1]! * w11;
          b += data[i00 + 2]! * w00 + data[i01 + 2]! * w01 + data[i10 + 2]! * w10 + data[i11 + 2]! * w11;
        }
      }
      const o = base + v * tensorWidth + u;
      // (x / 255 - 0.5) / 0.5 = x / 127.5 - 1
      dst[o] = (b * inv) / 127.5 - 1;
      dst[o + plane] = (g * inv) / 127.5 - 1;
      dst[o + 2 * plane] = (r * inv) / 127.5 - 1;
    }
  }
}
