import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { readJpegHeader } from './jpeg-header';

const MEDIA = join(__dirname, '..', '..', '..', '..', 'shared', 'media');

describe('readJpegHeader', () => {
  it.each([
    ['bus.jpg', 810, 1080],
    ['zidane.jpg', 1280, 720],
    ['street_signs_text.jpg', 692, 1024],
  ])('reads the size of %s as libvips does', (name, width, height) => {
    expect(readJpegHeader(readFileSync(join(MEDIA, name)))).toEqual({ width, height, orientation: 1, components: 3 });
  });

  it.each([1, 3, 6, 8])('reads EXIF orientation %i as libvips does', async (orientation) => {
    const jpeg = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#336699' } })
      .jpeg()
      .withMetadata({ orientation })
      .toBuffer();
    const meta = await sharp(jpeg).metadata();
    expect(readJpegHeader(jpeg)).toEqual({ width: 30, height: 20, orientation: meta.orientation ?? 1, components: 3 });
    expect(meta.orientation ?? 1).toBe(orientation);
  });

  it('reads progressive JPEGs (SOF2)', async () => {
    const jpeg = await sharp({ create: { width: 33, height: 17, channels: 3, background: '#000' } })
      .jpeg({ progressive: true })
      .toBuffer();
    expect(readJpegHeader(jpeg)).toEqual({ width: 33, height: 17, orientation: 1, components: 3 });
  });

  it('counts the colour components: greyscale 1, CMYK 4', async () => {
    const image = sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } });
    expect(readJpegHeader(await image.clone().toColourspace('b-w').jpeg().toBuffer())?.components).toBe(1);
    expect(readJpegHeader(await image.clone().toColourspace('cmyk').jpeg().toBuffer())?.components).toBe(4);
  });

  it('returns null for what it cannot read', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    expect(readJpegHeader(png)).toBeNull();
    expect(readJpegHeader(Buffer.from('hello'))).toBeNull();
    expect(readJpegHeader(readFileSync(join(MEDIA, 'bus.jpg')).subarray(0, 40))).toBeNull();
    expect(readJpegHeader(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2]))).toBeNull();
  });
});
