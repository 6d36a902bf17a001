import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { readJpegHeader, type RgbImage } from '@forgesyte/vision';
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
 * Decodes straight to `size` (or the full image when null) as packed RGB. Asking for the final
 * size up front lets libjpeg shrink while it decodes (DCT scaling), so a large photo never
 * exists at full resolution.
 */
export async function decodeImage(
  bytes: Buffer,
  size: ImageSize | null,
  orientation: number,
  limits: DecodeLimits,
): Promise<RgbImage> {
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
