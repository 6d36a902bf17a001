import { axisTable, type AxisTable, type RgbImage } from './ocr/image';

/** Fixed-point weights: 11 bits, as OpenCV's INTER_LINEAR uses for 8-bit images. */
const BITS = 11;
const ONE = 1 << BITS;
const ROUND = 1 << (2 * BITS - 1);

/** Per-size lookup of a resize: which source pixels each output column and row reads, and with what weights. */
export interface ResizeTables {
  /** Byte offset of the left source pixel of each output column, and its weight (0..ONE) for the right one. */
  xOffset: Int32Array;
  xWeight: Int32Array;
  y: AxisTable;
  yWeight: Int32Array;
}

const cache = new Map<string, ResizeTables>();

/** The tables of a `sw` x `sh` to `dw` x `dh` resize (`sw` > 1), cached for the few sizes a server sees at once. */
export function resizeTables(sw: number, sh: number, dw: number, dh: number): ResizeTables {
  const key = `${sw}x${sh}>${dw}x${dh}`;
  let t = cache.get(key);
  if (t) return t;
  const x = axisTable(sw, dw);
  const y = axisTable(sh, dh);
  const xOffset = new Int32Array(dw);
  const xWeight = new Int32Array(dw);
  x.index0.forEach((left, i) => {
    // Column sw-1 has no right neighbour: weight 0 and the left pixel twice would read past the row, so step back.
    xOffset[i] = (left === sw - 1 && sw > 1 ? left - 1 : left) * 3;
    xWeight[i] = left === sw - 1 ? (sw > 1 ? ONE : 0) : Math.round((x.weight1[i] ?? 0) * ONE);
  });
  const yWeight = Int32Array.from(y.weight1, (w) => Math.round(w * ONE));
  t = { xOffset, xWeight, y, yWeight };
  // A stream sends one size; a few sizes at once (several cameras, several models) still fit.
  if (cache.size >= 16) cache.delete(cache.keys().next().value!);
  cache.set(key, t);
  return t;
}

/**
 * Bilinear resize of packed RGB with OpenCV's INTER_LINEAR convention (half-pixel centres, two taps per axis,
 * 11-bit fixed-point weights): the resize the YOLOX and PaddleOCR preprocessing used in training. Each source row
 * is resampled horizontally once, however many output rows read it.
 */
export function resizeRgb(src: RgbImage, width: number, height: number): RgbImage {
  if (src.width === width && src.height === height) {
    checkResizeSizes(src, width, height);
    return src;
  }
  const rowLength = width * 3;
  const out = new Uint8Array(rowLength * height);
  resampleRows(src, width, height, (oy, upper, lower, w1) => {
    const w0 = ONE - w1;
    let o = oy * rowLength;
    for (let i = 0; i < rowLength; i++, o++) out[o] = (upper[i]! * w0 + lower[i]! * w1 + ROUND) >> (2 * BITS);
  });
  return { data: out, width, height };
}

/**
 * Receives output row `oy` of a bilinear resize as its two horizontally resampled source rows (interleaved RGB,
 * values scaled by 2^11) and the weight of the lower one (0..2^11); the value of sample i is
 * `(upper[i] * (2^11 - w1) + lower[i] * w1 + 2^21) >> 22`, exactly what `resizeRgb` stores.
 */
export type RowSink = (oy: number, upper: Int32Array, lower: Int32Array, w1: number) => void;

/** Rounding constant and shift of a `RowSink`'s vertical step. */
export const ROW_ROUND = ROUND;
export const ROW_SHIFT = 2 * BITS;

/**
 * The two passes of `resizeRgb` without the output: hands each output row's source rows to `sink`, so a caller can
 * write the scaled pixels wherever it wants (a planar float tensor) without an intermediate image.
 */
export function resampleRows(src: RgbImage, width: number, height: number, sink: RowSink): void {
  checkResizeSizes(src, width, height);
  // The horizontal pass reads two neighbouring pixels; a one-pixel-wide image gets a copy of its column.
  if (src.width === 1) {
    resampleRows(widen(src), width, height, sink);
    return;
  }
  const { width: sw, data } = src;
  const { xOffset, xWeight, y, yWeight } = resizeTables(sw, src.height, width, height);
  const rowLength = width * 3;
  // Horizontally resampled rows, values scaled by ONE; two slots, swapped as the source row advances.
  let upper = new Int32Array(rowLength);
  let lower = new Int32Array(rowLength);
  let upperRow = -1;
  let lowerRow = -1;
  // Indexes below stay inside the tables and rows, which are sized from width and height above.
  for (let oy = 0; oy < height; oy++) {
    const r0 = y.index0[oy]!;
    const r1 = y.index1[oy]!;
    if (r0 !== upperRow) {
      if (r0 === lowerRow) {
        const swap = upper;
        upper = lower;
        lower = swap;
        upperRow = r0;
        lowerRow = -1;
      } else {
        horizontal(data, r0 * sw * 3, xOffset, xWeight, upper);
        upperRow = r0;
      }
    }
    if (r1 !== lowerRow) {
      if (r1 === upperRow) lower.set(upper);
      else horizontal(data, r1 * sw * 3, xOffset, xWeight, lower);
      lowerRow = r1;
    }
    sink(oy, upper, lower, yWeight[oy]!);
  }
}

/** Throws RangeError unless `src` holds its pixels and `width` x `height` is a size to resize to. */
export function checkResizeSizes(src: RgbImage, width: number, height: number): void {
  const { width: sw, height: sh, data } = src;
  if (data.length < sw * sh * 3)
    throw new RangeError(`image ${sw}x${sh} needs ${sw * sh * 3} bytes, got ${data.length}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`target size must be positive integers, got ${width}x${height}`);
  }
}

function horizontal(data: Uint8Array, row: number, xOffset: Int32Array, xWeight: Int32Array, out: Int32Array): void {
  // Hot loop: the tables keep every read inside the row (see `tables`), so the reads are asserted, not checked.
  for (let i = 0, o = 0; i < xOffset.length; i++, o += 3) {
    const a = row + xOffset[i]!;
    const w1 = xWeight[i]!;
    const w0 = ONE - w1;
    out[o] = data[a]! * w0 + data[a + 3]! * w1;
    out[o + 1] = data[a + 1]! * w0 + data[a + 4]! * w1;
    out[o + 2] = data[a + 2]! * w0 + data[a + 5]! * w1;
  }
}

function widen(src: RgbImage): RgbImage {
  const data = new Uint8Array(src.height * 6);
  for (let y = 0; y < src.height; y++) {
    for (let c = 0; c < 3; c++) data[y * 6 + c] = data[y * 6 + 3 + c] = src.data[y * 3 + c] ?? 0;
  }
  return { data, width: 2, height: src.height };
}
