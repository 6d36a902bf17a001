/**
 * Where a source image lands inside a detector's input: scaled to fit (aspect kept), then either placed at the
 * top-left (YOLOX) or centred (Ultralytics letterbox). `inputWidth` x `inputHeight` is the tensor's size: the
 * model's fixed input, or for a model that takes any size, the scaled image padded to the next multiple of the
 * model's stride.
 */
export interface Letterbox {
  srcWidth: number;
  srcHeight: number;
  inputWidth: number;
  inputHeight: number;
  /** Size of the scaled image inside the input. */
  width: number;
  height: number;
  /** Offset of the scaled image inside the input. */
  left: number;
  top: number;
}

export type Placement = 'top-left' | 'center';

/**
 * `maxWidth` x `maxHeight` bounds the scaled image. With a `stride` (a model whose input takes any multiple of it),
 * each side of the tensor is the scaled image's rounded up to a multiple of the stride, with either no padding or at
 * least half a stride of it, never past the bounds; without one, the tensor is the bounds, as for a fixed-size model.
 * Why half a stride: an object cut by the image's edge scored 0.69 on the square input, 0.62 with 8 pixels of
 * padding and 0.68 with 40 (YOLOX-Nano, bus.jpg; test/medium/any-size-model.medium-spec.ts).
 */
export function letterbox(
  srcWidth: number,
  srcHeight: number,
  maxWidth: number,
  maxHeight: number,
  placement: Placement,
  stride: number | null = null,
): Letterbox {
  if (srcWidth <= 0 || srcHeight <= 0)
    throw new RangeError(`image size must be positive, got ${srcWidth}x${srcHeight}`);
  const scale = Math.min(maxWidth / srcWidth, maxHeight / srcHeight);
  const width = Math.min(maxWidth, Math.max(1, Math.round(srcWidth * scale)));
  const height = Math.min(maxHeight, Math.max(1, Math.round(srcHeight * scale)));
  const fit = (side: number, max: number) => {
    if (!stride) return max;
    const padded = Math.ceil(side / stride) * stride;
    return Math.min(max, padded > side && padded - side < stride / 2 ? padded + stride : padded);
  };
  const inputWidth = fit(width, maxWidth);
  const inputHeight = fit(height, maxHeight);
  // Ultralytics rounds the half padding with a -0.1 bias so odd padding puts the extra pixel right/bottom.
  const left = placement === 'center' ? Math.max(0, Math.round((inputWidth - width) / 2 - 0.1)) : 0;
  const top = placement === 'center' ? Math.max(0, Math.round((inputHeight - height) / 2 - 0.1)) : 0;
  return { srcWidth, srcHeight, inputWidth, inputHeight, width, height, left, top };
}

/**
 * Maps a box from input-tensor pixels back to pixels of an image of `target` size (the source
 * by default), clipped to that image. Each axis uses its own scale because the scaled size was
 * rounded to whole pixels.
 */
export function toImagePixels<T extends { x1: number; y1: number; x2: number; y2: number }>(
  box: T,
  lb: Letterbox,
  target: { width: number; height: number } = { width: lb.srcWidth, height: lb.srcHeight },
): T {
  const sx = target.width / lb.width;
  const sy = target.height / lb.height;
  const clip = (v: number, max: number) => (v < 0 ? 0 : v > max ? max : v);
  return {
    ...box,
    x1: clip((box.x1 - lb.left) * sx, target.width),
    y1: clip((box.y1 - lb.top) * sy, target.height),
    x2: clip((box.x2 - lb.left) * sx, target.width),
    y2: clip((box.y2 - lb.top) * sy, target.height),
  };
}
