import { join, resolve } from 'node:path';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { buildConfig } from '../config/config';
import { FfmpegMediaProvider } from './media.provider';
import { LocalStorageProvider } from './storage.provider';
import { fitInside, hasFtypBox, NotAVideoError } from './video-probe';

const MEDIA = resolve(__dirname, '../../../../..', 'shared', 'media');
const CLIP = join(MEDIA, 'one-by-one-person-detection.mp4');
const media = new FfmpegMediaProvider(buildConfig());
const storage = new LocalStorageProvider();

describe('FfmpegMediaProvider and LocalStorageProvider on real files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'forgesyte-probe-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sees the ftyp box of the MP4 clip and none in a JPEG', async () => {
    expect(hasFtypBox(await storage.readHead(CLIP, 16))).toBe(true);
    expect(hasFtypBox(await storage.readHead(join(MEDIA, 'bus.jpg'), 16))).toBe(false);
  });

  it('probes the clip as a 768x432 10 fps video', async () => {
    await expect(media.probe(CLIP)).resolves.toMatchObject({ width: 768, height: 432, fps: 10 });
  });

  it('refuses a JPEG, a text file and a truncated MP4 as videos', async () => {
    await expect(media.probe(join(MEDIA, 'bus.jpg'))).rejects.toBeInstanceOf(NotAVideoError);
    const text = join(dir, 'notes.mp4');
    writeFileSync(text, 'these are not video bytes\n'.repeat(100));
    await expect(media.probe(text)).rejects.toBeInstanceOf(NotAVideoError);
    const fake = join(dir, 'fake.mp4');
    writeFileSync(fake, Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypisom'), Buffer.alloc(2000, 7)]));
    expect(hasFtypBox(await storage.readHead(fake, 16))).toBe(true);
    await expect(media.probe(fake)).rejects.toBeInstanceOf(NotAVideoError);
  });

  it('counts every frame, or the fps samples, and decodes exactly that many raw RGB frames', async () => {
    await expect(media.countFrames(CLIP, null)).resolves.toBe(1394);
    const sampled = await media.countFrames(CLIP, 1);
    expect(sampled).toBe(139);
    const size = fitInside({ width: 768, height: 432 }, { width: 416, height: 416 });
    let frames = 0;
    let first: Buffer | null = null;
    for await (const frame of media.decodeRgbFrames(CLIP, 1, size)) {
      expect(frame.length).toBe(size.width * size.height * 3);
      first ??= frame;
      frames++;
    }
    expect(frames).toBe(sampled);
    // Real picture content, not a zero-filled buffer.
    expect(new Set(first)).not.toEqual(new Set([0]));
  });

  it('stops ffmpeg when the consumer stops early', async () => {
    let frames = 0;
    for await (const frame of media.decodeRgbFrames(CLIP, null, { width: 64, height: 36 })) {
      expect(frame.length).toBe(64 * 36 * 3);
      if (++frames === 5) break;
    }
    expect(frames).toBe(5);
  });
});
