import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { decodeJpegTurbo, readJpegHeader, turboJpegTakes, type RgbImage } from '@forgesyte/vision';
import { InvalidImageError } from './pipeline.errors';

// Every frame is a new input: libvips' operation cache would only hold memory and cost lookups.
sharp.cache(false);

export interface DecodeLimits {
  /** Largest width x height accepted; checked from the header, before any pixel is decoded. */
  maxPixels: number;
}

export interface ImageSize {
  width: number;
  height: number;
}

/**
 * Reads width and height from the image header. EXIF orientations 5-8 swap them, because
 * decoding applies the orientation.
 */
export async function probeImage(bytes: Buffer, limits: DecodeLimits): Promise<ImageSize & { orientation: number }> {
  const jpeg = readJpegHeader(bytes);
  if (jpeg) return checked(jpeg.width, jpeg.height, jpeg.orientation, limits);
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: limits.maxPixels }).metadata();
  } catch (error) {
    throw new InvalidImageError(`not a decodable image: ${(error as Error).message}`);
  }
  const { width, height, format } = meta;
  if (!width || !height || (format !== 'jpeg' && format !== 'png' && format !== 'webp')) {
    throw new InvalidImageError(`not a JPEG or PNG image (format ${format ?? 'unknown'})`);
  }
  return checked(width, height, meta.orientation ?? 1, limits);
}

function checked(
  width: number,
  height: number,
  orientation: number,
  limits: DecodeLimits,
): ImageSize & { orientation: number } {
  if (width * height > limits.maxPixels) {
    throw new InvalidImageError(`image is ${width}x${height}, more than the ${limits.maxPixels} pixels allowed`);
  }
  return orientation >= 5 ? { width: height, height: width, orientation } : { width, height, orientation };
}

/**
 * One way of turning encoded bytes into packed RGB at `size` (the full image when null). Returns null when it does
 * not take this input, so the next decoder in `DECODERS` tries; the last one takes everything and explains failures.
 */
export interface FrameDecoder {
  readonly name: string;
  /**
   * Whether the detector worker decodes this frame itself with this decoder (the header alone decides): a detector
   * view of such a frame is not decoded on the event loop at all; its bytes go to the worker, which decodes them
   * straight into the model input. Only the first decoder of the chain is asked (see `decodedInWorker`).
   */
  decodesInWorker?(bytes: Buffer, orientation: number): boolean;
  decode(bytes: Buffer, size: ImageSize | null, orientation: number, limits: DecodeLimits): Promise<RgbImage | null>;
}

/**
 * libjpeg-turbo directly, for the upright YCbCr and greyscale JPEGs that cameras and browsers send: a 640x480 frame
 * to 416x312 in about a quarter of the libvips time (see `decodeJpegTurbo`). Everything else (EXIF-rotated photos,
 * CMYK, PNG, WebP, broken files) goes on to libvips.
 */
export const turboJpegDecoder: FrameDecoder = {
  name: 'libjpeg-turbo',
  decodesInWorker: turboJpegTakes,
  async decode(bytes, size, orientation) {
    if (!turboJpegTakes(bytes, orientation)) return null;
    try {
      return await decodeJpegTurbo(bytes, size);
    } catch {
      return null;
    }
  },
};

/**
 * libvips through sharp: every format and colour space, EXIF orientation, and the error message for bytes that do
 * not decode. Asking for the final size up front lets libjpeg shrink while it decodes (DCT scaling by 1/2, 1/4,
 * 1/8), so a large photo never exists at full resolution.
 */
export const sharpDecoder: FrameDecoder = {
  name: 'libvips',
  async decode(bytes, size, orientation, limits) {
    // ignoreIcc: the models were trained on pixel values as stored (OpenCV never colour-manages),
    // and converting an embedded profile (phone photos carry Display P3) costs more than the decode.
    let pipeline = sharp(bytes, {
      limitInputPixels: limits.maxPixels,
      sequentialRead: true,
      failOn: 'error',
      ignoreIcc: true,
    });
    if (orientation !== 1) pipeline = pipeline.autoOrient();
    if (size) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill', kernel: 'linear' });
    try {
      const { data, info } = await pipeline
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true });
      return toRgb(data, info);
    } catch (error) {
      if (error instanceof InvalidImageError) throw error;
      throw new InvalidImageError(`image does not decode: ${(error as Error).message}`);
    }
  },
};

/** Tried in order; the first that returns an image wins. Mutable so a benchmark can compare chains in one run. */
export const DECODERS: FrameDecoder[] = [turboJpegDecoder, sharpDecoder];

/**
 * Whether the detector views of this frame are decoded in the detector worker: the chain's first decoder says so
 * (a later one only sees what the earlier ones refused, which the worker would refuse too).
 */
export function decodedInWorker(
  bytes: Buffer,
  orientation: number,
  decoders: readonly FrameDecoder[] = DECODERS,
): boolean {
  return decoders[0]?.decodesInWorker?.(bytes, orientation) ?? false;
}

/** Decodes to `size` (or the full image when null) as packed RGB with the first decoder that takes the input. */
export async function decodeImage(
  bytes: Buffer,
  size: ImageSize | null,
  orientation: number,
  limits: DecodeLimits,
  decoders: readonly FrameDecoder[] = DECODERS,
): Promise<RgbImage> {
  for (const decoder of decoders) {
    const image = await decoder.decode(bytes, size, orientation, limits);
    if (image) return image;
  }
  throw new InvalidImageError('no decoder takes this image');
}

/** Scales a packed RGB frame (video jobs hand these over, already near the model's size). */
export async function resizeRaw(frame: RgbImage, size: ImageSize): Promise<RgbImage> {
  if (frame.width === size.width && frame.height === size.height) return frame;
  const { data, info } = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .resize(size.width, size.height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return toRgb(data, info);
}

function toRgb(data: Buffer, info: OutputInfo): RgbImage {
  if (info.channels !== 3) throw new InvalidImageError(`decoded to ${info.channels} channels, expected 3`);
  return { data, width: info.width, height: info.height };
}
