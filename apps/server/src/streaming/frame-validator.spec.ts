import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { maxFrameBytes, validateFrame } from './frame-validator';

const MEDIA = join(__dirname, '..', '..', '..', '..', '..', 'shared', 'media');
const MAX = maxFrameBytes(5);

describe('validateFrame', () => {
  const zidane = readFileSync(join(MEDIA, 'zidane.jpg'));
  const bus = readFileSync(join(MEDIA, 'bus.jpg'));

  it('accepts real JPEGs', () => {
    expect(validateFrame(zidane, MAX, 5)).toBeNull();
    expect(validateFrame(bus, MAX, 5)).toBeNull();
  });

  it('accepts a JPEG padded with zero bytes after its end marker', () => {
    expect(validateFrame(Buffer.concat([zidane, Buffer.alloc(16)]), MAX, 5)).toBeNull();
  });

  it('rejects more padding than an encoder would add', () => {
    expect(validateFrame(Buffer.concat([zidane, Buffer.alloc(65)]), MAX, 5)?.error).toBe('invalid_frame');
  });

  it('rejects a frame over the limit with the configured size in the detail', () => {
    const small = maxFrameBytes(0.1);
    expect(validateFrame(zidane, small, 0.1)).toEqual({ error: 'frame_too_large', detail: 'Frame exceeds 0.1MB' });
  });

  it('counts the limit in binary megabytes and accepts a frame of exactly the limit', () => {
    expect(maxFrameBytes(5)).toBe(5 * 1024 * 1024);
    expect(validateFrame(zidane, zidane.length, 1)).toBeNull();
    expect(validateFrame(zidane, zidane.length - 1, 1)?.error).toBe('frame_too_large');
  });

  it('rejects bytes without the start-of-image marker', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xd9]);
    expect(validateFrame(png, MAX, 5)).toEqual({
      error: 'invalid_frame',
      detail: 'Frame is not a JPEG (no FF D8 start-of-image marker)',
    });
  });

  it('rejects a truncated JPEG (no end-of-image marker)', () => {
    expect(validateFrame(zidane.subarray(0, zidane.length - 100), MAX, 5)?.detail).toMatch(/FF D9/);
  });

  it('rejects empty and tiny frames', () => {
    expect(validateFrame(Buffer.alloc(0), MAX, 5)?.error).toBe('invalid_frame');
    expect(validateFrame(Buffer.from([0xff, 0xd8, 0xff]), MAX, 5)?.error).toBe('invalid_frame');
  });
});
