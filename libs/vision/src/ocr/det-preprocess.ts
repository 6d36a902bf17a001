import { type RgbImage, axisTable } from './image';

/** ImageNet statistics, applied in B, G, R order because PaddleOCR feeds OpenCV's BGR arrays to the detector. */
const DET_MEAN_BGR = [0.485, 0.456, 0.406] as const;
const DET_STD_BGR = [0.229, 0.224, 0.225] as const;

/**
 * Detector input size: keep the aspect, shrink so the long side is at most `limitSide` (never enlarge), and round
 * each side to a multiple of 32 because the network downsamples by 32.
 */
export function detInputSize(width: number, height: number, limitSide = 960): { width: number; height: number } {
  const ratio = Math.max(width, height) > limitSide ? limitSide / Math.max(width, height) : 1;
  return {
    width: Math.max(32, Math.round((width * ratio) / 32) * 32),
    height: Math.max(32, Math.round((height * ratio) / 32) * 32),
  };
}

/**
 * Bilinear resize of `image` to `outWidth` x `outHeight`, normalised and written planar (B, G, R planes) into `dst`,
 * which must hold at least 3 * outWidth * outHeight floats.
 */
export function fillDetTensor(image: RgbImage, dst: Float32Array, outWidth: number, outHeight: number): void {
  const { data, width } = image;
  const cols = axisTable(image.width, outWidth);
  const rows = axisTable(image.height, outHeight);
  const plane = outWidth * outHeight;
  // Per channel (x / 255 - mean) / std folded into one multiply-add.
  const scale = DET_STD_BGR.map((s) => 1 / (255 * s));
  const bias = DET_MEAN_BGR.map((m, i) => -m / DET_STD_BGR[i]);
  const stride = width * 3;
  for (let y = 0; y < outHeight; y++) {
    const r0 = rows.index0[y] * stride;
    const r1 = rows.index1[y] * stride;
    const wy = rows.weight1[y];
    const out = y * outWidth;
    for (let x = 0; x < outWidth; x++) {
      const c0 = cols.index0[x] * 3;
      const c1 = cols.index1[x] * 3;
      const wx = cols.weight1[x];
      for (let ch = 0; ch < 3; ch++) {
        const top = data[r0 + c0 + ch] + (data[r0 + c1 + ch] - data[r0 + c0 + ch]) * wx;
        const bottom = data[r1 + c0 + ch] + (data[r1 + c1 + ch] - data[r1 + c0 + ch]) * wx;
        const v = top + (bottom - top) * wy;
        // RGB source channel ch goes to BGR plane 2 - ch.
        const p = 2 - ch;
        dst[p * plane + out + x] = v * scale[p] + bias[p];
      }
    }
  }
}
