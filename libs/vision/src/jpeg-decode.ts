import { decompress, decompressSync, FORMAT_RGB } from '@julusian/jpeg-turbo';
import { readJpegHeader } from './jpeg-header';
import { type RgbImage } from './ocr/image';
import { resizeRgb } from './resize';

/**
 * Decodes a baseline or progressive JPEG (YCbCr or greyscale) with libjpeg-turbo's TurboJPEG API, off the event loop
 * (libuv's pool), then scales it to `size` with `resizeRgb`. Measured on a 640x480 quality-80 frame on the 2-core
 * machines: the decode 0.9-1.0 ms against 2.9 ms for libvips' decode alone (its pipeline and thread hand-overs cost
 * more than the IDCT at this size). Rejects what TurboJPEG cannot turn into RGB (CMYK, arithmetic coding, corrupt or
 * truncated data): the caller falls back to a decoder that handles or explains it. The input size must have been
 * checked against the pixel limit from the header first: this allocates the full-size image.
 */
export async function decodeJpegTurbo(
  bytes: Buffer,
  size: { width: number; height: number } | null,
): Promise<RgbImage> {
  const decoded = await decompress(bytes, { format: FORMAT_RGB });
  const full = { data: decoded.data, width: decoded.width, height: decoded.height };
  return size ? resizeRgb(full, size.width, size.height) : full;
}

/**
 * Whether TurboJPEG can turn these bytes into RGB as they stand: an upright (EXIF orientation 1) greyscale or YCbCr
 * JPEG, judged from the header alone. CMYK, rotated photos and other formats need libvips.
 */
export function turboJpegTakes(bytes: Uint8Array, orientation: number): boolean {
  const header = orientation === 1 ? readJpegHeader(bytes) : null;
  return header !== null && (header.components === 1 || header.components === 3);
}

/**
 * The same decode on the calling thread, at full size, into `into` (at least width x height x 3 bytes; a thread that
 * decodes one frame after another reuses one buffer). For a thread that does nothing else meanwhile, such as the
 * detector worker: there a libuv round trip would only add a hand-over. Throws what `decodeJpegTurbo` rejects, and
 * when `into` is too small.
 */
export function decodeJpegTurboSync(bytes: Uint8Array, into: Buffer): RgbImage {
  const source = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoded = decompressSync(source, into, { format: FORMAT_RGB });
  return { data: decoded.data, width: decoded.width, height: decoded.height };
}
