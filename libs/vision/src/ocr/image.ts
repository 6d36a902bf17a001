/** An RGB image, 3 bytes per pixel, rows packed without padding. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Throws RangeError when the size is not positive integers or the buffer is too small for it. */
export function validateImage(image: RgbImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`OCR image size must be positive integers, got ${width}x${height}`);
  }
  if (data.length < width * height * 3) {
    throw new RangeError(`OCR image ${width}x${height} needs ${width * height * 3} RGB bytes, got ${data.length}`);
  }
}

/**
 * Column (or row) lookup for bilinear resizing with the half-pixel-centre convention of OpenCV's INTER_LINEAR,
 * which PaddleOCR's resizes use. Computed once per size so the per-pixel loop only reads arrays.
 */
export interface AxisTable {
  index0: Int32Array;
  index1: Int32Array;
  weight1: Float32Array;
}

export function axisTable(srcSize: number, dstSize: number): AxisTable {
  const index0 = new Int32Array(dstSize);
  const index1 = new Int32Array(dstSize);
  const weight1 = new Float32Array(dstSize);
  const scale = srcSize / dstSize;
  for (let i = 0; i < dstSize; i++) {
    let s = (i + 0.5) * scale - 0.5;
    if (s < 0) s = 0;
    let i0 = Math.floor(s);
    if (i0 > srcSize - 1) i0 = srcSize - 1;
    const i1 = i0 + 1 < srcSize ? i0 + 1 : srcSize - 1;
    index0[i] = i0;
    index1[i] = i1;
    weight1[i] = i1 === i0 ? 0 : s - i0;
  }
  return { index0, index1, weight1 };
}
