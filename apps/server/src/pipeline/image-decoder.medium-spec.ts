import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { type RgbImage } from '@forgesyte/vision';
import { decodeImage, probeImage, sharpDecoder, turboJpegDecoder } from './image-decoder';
import { InvalidImageError } from './pipeline.errors';

const MEDIA = resolve(__dirname, '..', '..', '..', '..', '..', 'shared', 'media');
const LIMITS = { maxPixels: 40_000_000 };
const SIZE = { width: 416, height: 234 };

/** Mean absolute difference per byte of two images of one size. */
function meanDiff(a: RgbImage, b: RgbImage): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let sum = 0;
  const n = a.width * a.height * 3;
  // A byte missing from `b` makes the sum NaN, which no bound accepts.
  a.data.subarray(0, n).forEach((v, i) => (sum += Math.abs(v - (b.data[i] ?? NaN))));
  return sum / (a.width * a.height * 3);
}

describe('image decoders', () => {
  const zidane = readFileSync(join(MEDIA, 'zidane.jpg'));
  let reference: RgbImage;
  beforeAll(async () => {
    reference = (await sharpDecoder.decode(zidane, SIZE, 1, LIMITS))!;
  });

  it('libjpeg-turbo decodes a plain JPEG to the size asked, close to libvips', async () => {
    const image = await turboJpegDecoder.decode(zidane, SIZE, 1, LIMITS);
    expect(image).not.toBeNull();
    expect(meanDiff(image!, reference)).toBeLessThan(3);
    const full = await turboJpegDecoder.decode(zidane, null, 1, LIMITS);
    expect([full!.width, full!.height, full!.data.length]).toEqual([1280, 720, 1280 * 720 * 3]);
  });

  it.each([
    ['progressive', (s: Sharp) => s.jpeg({ progressive: true, quality: 90 })],
    ['greyscale', (s: Sharp) => s.greyscale().jpeg({ quality: 90 })],
  ])('libjpeg-turbo takes a %s JPEG', async (kind, encode) => {
    const bytes = await encode(sharp(zidane)).toBuffer();
    const image = await turboJpegDecoder.decode(bytes, SIZE, 1, LIMITS);
    expect(image).not.toBeNull();
    const viaVips = (await sharpDecoder.decode(bytes, SIZE, 1, LIMITS))!;
    expect(meanDiff(image!, viaVips)).toBeLessThan(3);
    if (kind === 'greyscale') {
      for (let i = 0; i < image!.data.length; i += 3 * 97) {
        expect(image!.data[i]).toBe(image!.data[i + 1]);
        expect(image!.data[i + 1]).toBe(image!.data[i + 2]);
      }
    } else {
      expect(meanDiff(image!, reference)).toBeLessThan(4);
    }
  });

  it('leaves CMYK and EXIF-rotated JPEGs, and PNG, to libvips, which decodes them upright in RGB', async () => {
    const cmyk = await sharp(zidane).toColourspace('cmyk').jpeg({ quality: 90 }).toBuffer();
    const rotated = await sharp(zidane).rotate(90).jpeg().withMetadata({ orientation: 8 }).toBuffer();
    const png = await sharp(zidane).png().toBuffer();
    expect(await turboJpegDecoder.decode(cmyk, SIZE, 1, LIMITS)).toBeNull();
    expect(await turboJpegDecoder.decode(rotated, SIZE, 8, LIMITS)).toBeNull();
    expect(await turboJpegDecoder.decode(png, SIZE, 1, LIMITS)).toBeNull();

    // CMYK to RGB without the ICC profile is approximate (about 11 levels off here); inverted or
    // unconverted ink values would be off by a hundred.
    expect(meanDiff(await decodeImage(cmyk, SIZE, 1, LIMITS), reference)).toBeLessThan(20);
    expect(meanDiff(await decodeImage(png, SIZE, 1, LIMITS), reference)).toBeLessThan(3);
    // Rotated by 90 degrees and tagged 8 (rotate 270 to view): upright again after decoding.
    const upright = await probeImage(rotated, LIMITS);
    expect(upright).toEqual({ width: 1280, height: 720, orientation: 8 });
    expect(meanDiff(await decodeImage(rotated, SIZE, upright.orientation, LIMITS), reference)).toBeLessThan(4);
  });

  it('reports truncated JPEGs and non-images as InvalidImageError, from the last decoder', async () => {
    const truncated = zidane.subarray(0, 20_000);
    expect(await turboJpegDecoder.decode(truncated, SIZE, 1, LIMITS)).toBeNull();
    await expect(decodeImage(truncated, SIZE, 1, LIMITS)).rejects.toBeInstanceOf(InvalidImageError);
    await expect(decodeImage(Buffer.from('not an image'), SIZE, 1, LIMITS)).rejects.toBeInstanceOf(InvalidImageError);
    await expect(decodeImage(zidane, SIZE, 1, LIMITS, [])).rejects.toThrow('no decoder takes this image');
  });
});
