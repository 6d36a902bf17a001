export interface JpegHeader {
  width: number;
  height: number;
  /** EXIF orientation, 1 (upright) when absent. */
  orientation: number;
  /** Colour components of the frame: 1 greyscale, 3 YCbCr (or RGB), 4 CMYK or YCCK. */
  components: number;
}

/**
 * Reads width, height and EXIF orientation from a JPEG's markers without decoding anything:
 * the hot path of a live stream asks this once per frame, and it is far cheaper than a round
 * trip through libvips. Returns null for anything it does not understand (not a JPEG, a
 * malformed segment), so the caller can fall back to a full probe that reports the error.
 */
export function readJpegHeader(bytes: Uint8Array): JpegHeader | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let orientation = 1;
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1] ?? 0;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    // Markers without a length: TEM, RSTn.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // image data before any frame header
    const length = u16be(bytes, i + 2);
    if (length < 2 || i + 2 + length > bytes.length) return null;
    const segment = i + 4;
    if (marker === 0xe1 && length >= 8) orientation = exifOrientation(bytes, segment, i + 2 + length) ?? orientation;
    // SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (length < 8) return null;
      const height = u16be(bytes, segment + 1);
      const width = u16be(bytes, segment + 3);
      const components = bytes[segment + 5] ?? 0;
      if (width === 0 || height === 0 || components === 0) return null;
      return { width, height, orientation, components };
    }
    i += 2 + length;
  }
  return null;
}

/** A big-endian 16-bit value; bytes past the end read as 0, as they do in bitwise arithmetic. */
function u16be(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) << 8) | (b[o + 1] ?? 0);
}

/** Tag 0x0112 of IFD0 in an APP1 "Exif\0\0" segment spanning [start, end). */
function exifOrientation(b: Uint8Array, start: number, end: number): number | null {
  // "Exif\0\0"
  if (b[start] !== 0x45 || b[start + 1] !== 0x78 || b[start + 2] !== 0x69 || b[start + 3] !== 0x66) return null;
  const tiff = start + 6;
  if (tiff + 8 > end) return null;
  const little = b[tiff] === 0x49 && b[tiff + 1] === 0x49;
  if (!little && !(b[tiff] === 0x4d && b[tiff + 1] === 0x4d)) return null;
  const u16 = (o: number) => (little ? (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) : u16be(b, o));
  const u32 = (o: number) => (little ? u16(o) + u16(o + 2) * 65536 : u16(o) * 65536 + u16(o + 2));
  const ifd = tiff + u32(tiff + 4);
  if (ifd + 2 > end) return null;
  const count = u16(ifd);
  for (let k = 0; k < count; k++) {
    const entry = ifd + 2 + k * 12;
    if (entry + 12 > end) return null;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : null;
    }
  }
  return null;
}
