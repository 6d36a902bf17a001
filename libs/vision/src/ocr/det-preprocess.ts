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
  // (x / 255 - mean) / std folded into one multiply-add per channel, held in locals for the hot loop.
  const sB = 1 / (255 * DET_STD_BGR[0]);
  const sG = 1 / (255 * DET_STD_BGR[1]);
  const sR = 1 / (255 * DET_STD_BGR[2]);
  const bB = -DET_MEAN_BGR[0] / DET_STD_BGR[0];
  const bG = -DET_MEAN_BGR[1] / DET_STD_BGR[1];
  const bR = -DET_MEAN_BGR[2] / DET_STD_BGR[2];
  const { index0: ci0, index1: ci1, weight1: cw } = cols;
  const stride = width * 3;
  // Hot loop: the axis tables keep every index inside the image, so reads are asserted, not checked.
  for (let y = 0; y < outHeight; y++) {
    const r0 = rows.index0[y]! * stride;
    const r1 = rows.index1[y]! * stride;
    const wy = rows.weight1[y]!;
    const wy0 = 1 - wy;
    let o = y * outWidth;
    for (let x = 0; x < outWidth; x++, o++) {
      const c0 = ci0[x]! * 3;
      const c1 = ci1[x]! * 3;
      const wx = cw[x]!;
      const w00 = (1 - wx) * wy0;
      const w01 = wx * wy0;
      const w10 = (1 - wx) * wy;
      const w11 = wx * wy;
      const a = r0 + c0;
      const b = r0 + c1;
      const c = r1 + c0;
      const d = r1 + c1;
      const red = data[a]! * w00 + data[b]! * w01 + data[c]! * w10 + data[d]! * w11;
      const green = data[a + 1]! * w00 + data[b + 1]! * w01 + data[c + 1]! * w10 + data[d + 1]! * w11;
      const blue = data[a + 2]! * w00 + data[b + 2]! * w01 + data[c + 2]! * w10 + data[d + 2]! * w11;
      dst[o] = blue * sB + bB;
      dst[plane + o] = green * sG + bG;
      dst[2 * plane + o] = red * sR + bR;
    }
  }
}
