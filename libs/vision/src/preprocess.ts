import { type Letterbox } from './letterbox';
import { type RgbImage } from './ocr/image';
import { checkResizeSizes, resampleRows, ROW_ROUND, ROW_SHIFT } from './resize';
import { resizeFillKernel } from './wasm/resize-fill';

/** How a detector family wants its NCHW float input. */
export interface TensorFormat {
  channelOrder: 'rgb' | 'bgr';
  /** Multiplier applied to 0..255 pixel values (1 for YOLOX, 1/255 for Ultralytics). */
  scale: number;
  /** Value of padding pixels, already scaled. */
  pad: number;
}

export const YOLOX_FORMAT: TensorFormat = { channelOrder: 'bgr', scale: 1, pad: 114 };
export const ULTRALYTICS_FORMAT: TensorFormat = { channelOrder: 'rgb', scale: 1 / 255, pad: 114 / 255 };

/**
 * Writes an interleaved RGB image that is already scaled to `lb.width` x `lb.height` into a
 * planar [1, 3, H, W] float tensor, padding the rest. `out` is reused by the caller between
 * frames, so this allocates nothing.
 */
export function fillTensor(rgb: Uint8Array, lb: Letterbox, format: TensorFormat, out: Float32Array): Float32Array {
  const { inputWidth: iw, inputHeight: ih, width: w, height: h, left, top } = lb;
  const plane = checkTensor(lb, out);
  if (rgb.length < w * h * 3) throw new RangeError(`image holds ${rgb.length} bytes, expected ${w * h * 3}`);
  if (w !== iw || h !== ih) fillPadding(out, lb, format.pad);
  // Output plane k takes source channel order[k]: BGR planes read R from offset 2.
  const first = format.channelOrder === 'bgr' ? 2 : 0;
  const last = 2 - first;
  const s = format.scale;
  // Hot loop: rows and columns stay inside the w x h source, so the reads are asserted, not checked.
  for (let y = 0; y < h; y++) {
    let src = y * w * 3;
    let dst = (top + y) * iw + left;
    const end = dst + w;
    if (s === 1) {
      for (; dst < end; dst++, src += 3) {
        out[dst] = rgb[src + first]!;
        out[dst + plane] = rgb[src + 1]!;
        out[dst + 2 * plane] = rgb[src + last]!;
      }
    } else {
      for (; dst < end; dst++, src += 3) {
        out[dst] = rgb[src + first]! * s;
        out[dst + plane] = rgb[src + 1]! * s;
        out[dst + 2 * plane] = rgb[src + last]! * s;
      }
    }
  }
  return out;
}

/**
 * Scales packed RGB `src` (any size; the letterbox was computed from its aspect) to `lb.width` x `lb.height` straight
 * into the planar tensor, padding written once: the same values `resizeRgb` then `fillTensor` would write (OpenCV
 * INTER_LINEAR, 11-bit fixed point), without the intermediate scaled image or a second pass over it. At the model's
 * size already, it is `fillTensor`. The work is done by a WebAssembly SIMD kernel (wasm/resize-fill.wat) where it
 * runs, by `fillTensorResizedJs` otherwise; the two write the same values bit for bit.
 */
export function fillTensorResized(src: RgbImage, lb: Letterbox, format: TensorFormat, out: Float32Array): Float32Array {
  const kernel = src.width > 1 && lb.width >= 4 ? resizeFillKernel() : null;
  if (!kernel || (src.width === lb.width && src.height === lb.height)) return fillTensorResizedJs(src, lb, format, out);
  checkTensor(lb, out);
  checkResizeSizes(src, lb.width, lb.height);
  kernel.fillRows(src, lb, format.channelOrder === 'bgr', format.scale, format.pad, out);
  fillBands(out, lb, format.pad);
  return out;
}

/** `fillTensorResized` in JavaScript: the reference the WebAssembly kernel is tested against, and its fallback. */
export function fillTensorResizedJs(
  src: RgbImage,
  lb: Letterbox,
  format: TensorFormat,
  out: Float32Array,
): Float32Array {
  const { inputWidth: iw, width: w, height: h, left, top } = lb;
  if (src.width === w && src.height === h) return fillTensor(src.data, lb, format, out);
  const plane = checkTensor(lb, out);
  const first = format.channelOrder === 'bgr' ? 2 : 0;
  const last = 2 - first;
  const s = format.scale;
  const one = 1 << (ROW_SHIFT / 2);
  // Checks the sizes before any value is written, so a bad call leaves `out` as it was.
  resampleRows(src, w, h, (y, upper, lower, w1) => {
    const w0 = one - w1;
    let dst = (top + y) * iw + left;
    const end = dst + w;
    // Hot loop: the rows hold w x 3 values (see resampleRows), so the reads are asserted, not checked.
    for (let i = 0; dst < end; dst++, i += 3) {
      const a = (upper[i + first]! * w0 + lower[i + first]! * w1 + ROW_ROUND) >> ROW_SHIFT;
      const b = (upper[i + 1]! * w0 + lower[i + 1]! * w1 + ROW_ROUND) >> ROW_SHIFT;
      const c = (upper[i + last]! * w0 + lower[i + last]! * w1 + ROW_ROUND) >> ROW_SHIFT;
      out[dst] = a * s;
      out[dst + plane] = b * s;
      out[dst + 2 * plane] = c * s;
    }
  });
  fillPadding(out, lb, format.pad);
  return out;
}

/** The plane size; throws RangeError when `out` does not hold 3 planes of the model's input. */
function checkTensor(lb: Letterbox, out: Float32Array): number {
  const plane = lb.inputWidth * lb.inputHeight;
  if (out.length !== 3 * plane) throw new RangeError(`tensor holds ${out.length} values, expected ${3 * plane}`);
  return plane;
}

/** Writes `pad` only where the image does not land, so no value is written twice. */
function fillPadding(out: Float32Array, lb: Letterbox, pad: number): void {
  const { inputWidth: iw, width: w, height: h, left, top } = lb;
  if (w === iw && h === lb.inputHeight) return;
  fillBands(out, lb, pad);
  if (w === iw) return;
  const plane = iw * lb.inputHeight;
  for (let k = 0; k < 3; k++) {
    for (let y = top; y < top + h; y++) {
      const row = k * plane + y * iw;
      out.fill(pad, row, row + left);
      out.fill(pad, row + left + w, row + iw);
    }
  }
}

/** Writes `pad` into the rows above and below the image, in every plane. */
function fillBands(out: Float32Array, lb: Letterbox, pad: number): void {
  const { inputWidth: iw, height: h, top } = lb;
  const plane = iw * lb.inputHeight;
  for (let k = 0; k < 3; k++) {
    const base = k * plane;
    out.fill(pad, base, base + top * iw);
    out.fill(pad, base + (top + h) * iw, base + plane);
  }
}
