import { join, resolve } from 'node:path';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { buildConfig } from '../config/config';
import { resolveFfmpeg } from './ffmpeg-path';
import { decodeRgbFrames } from './video-decoder';
import { countFrames, fitInside, hasFtypBox, NotAVideoError, parseProbe, probeVideo, readHead } from './video-probe';

const MEDIA = resolve(__dirname, '../../../../..', 'shared', 'media');
const CLIP = join(MEDIA, 'one-by-one-person-detection.mp4');
const ffmpeg = resolveFfmpeg(buildConfig());

const MP4_PROBE = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'x.mp4':
  Duration: 00:02:19.40, start: 0.000000, bitrate: 188 kb/s
    Stream #0:0(eng): Video: h264 (Main) (avc1 / 0x31637661), yuv420p(tv, smpte170m), 768x432, 187 kb/s, 10 fps, 10 tbr, 200k tbn, 20 tbc (default)
At least one output file must be specified`;

describe('parseProbe', () => {
  it('reads format, size, rate and duration from ffmpeg -i', () => {
    expect(parseProbe(MP4_PROBE)).toEqual({
      format: 'mov,mp4,m4a,3gp,3g2,mj2',
      width: 768,
      height: 432,
      fps: 10,
      durationMs: 139_400,
    });
  });

  it('falls back to tbr, swaps sides for a quarter turn, and tolerates an unknown duration', () => {
    const text = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'p.mov':
  Duration: N/A, bitrate: N/A
    Stream #0:0: Video: h264 (avc1 / 0x31637661), yuv420p, 1920x1080 [SAR 1:1 DAR 16:9], 29.97 tbr, 90k tbn
    Metadata:
      rotate          : 90`;
    expect(parseProbe(text)).toEqual({
      format: 'mov,mp4,m4a,3gp,3g2,mj2',
      width: 1080,
      height: 1920,
      fps: 29.97,
      durationMs: null,
    });
  });

  it('finds no video in audio-only or unreadable input', () => {
    expect(parseProbe(`Input #0, mp3, from 'a.mp3':\n    Stream #0:0: Audio: mp3, 44100 Hz, stereo`)).toBeNull();
    expect(parseProbe(`x.txt: Invalid data found when processing input`)).toBeNull();
  });
});

describe('fitInside', () => {
  it('keeps the aspect ratio inside the box and never enlarges', () => {
    expect(fitInside({ width: 768, height: 432 }, { width: 416, height: 416 })).toEqual({ width: 416, height: 234 });
    expect(fitInside({ width: 432, height: 768 }, { width: 640, height: 640 })).toEqual({ width: 360, height: 640 });
    expect(fitInside({ width: 320, height: 200 }, { width: 640, height: 640 })).toEqual({ width: 320, height: 200 });
  });
});

describe('ffmpeg on real files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'forgesyte-probe-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sees the ftyp box of the MP4 clip and none in a JPEG', async () => {
    expect(hasFtypBox(await readHead(CLIP))).toBe(true);
    expect(hasFtypBox(await readHead(join(MEDIA, 'bus.jpg')))).toBe(false);
  });

  it('probes the clip as a 768x432 10 fps video', async () => {
    await expect(probeVideo(ffmpeg, CLIP)).resolves.toMatchObject({ width: 768, height: 432, fps: 10 });
  });

  it('refuses a JPEG, a text file and a truncated MP4 as videos', async () => {
    await expect(probeVideo(ffmpeg, join(MEDIA, 'bus.jpg'))).rejects.toBeInstanceOf(NotAVideoError);
    const text = join(dir, 'notes.mp4');
    writeFileSync(text, 'these are not video bytes\n'.repeat(100));
    await expect(probeVideo(ffmpeg, text)).rejects.toBeInstanceOf(NotAVideoError);
    const fake = join(dir, 'fake.mp4');
    writeFileSync(fake, Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypisom'), Buffer.alloc(2000, 7)]));
    expect(hasFtypBox(await readHead(fake))).toBe(true);
    await expect(probeVideo(ffmpeg, fake)).rejects.toBeInstanceOf(NotAVideoError);
  });

  it('counts every frame, or the fps samples, and decodes exactly that many raw RGB frames', async () => {
    await expect(countFrames(ffmpeg, CLIP, null)).resolves.toBe(1394);
    const sampled = await countFrames(ffmpeg, CLIP, 1);
    expect(sampled).toBe(139);
    const size = fitInside({ width: 768, height: 432 }, { width: 416, height: 416 });
    let frames = 0;
    let first: Buffer | null = null;
    for await (const frame of decodeRgbFrames(ffmpeg, CLIP, 1, size)) {
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
    for await (const frame of decodeRgbFrames(ffmpeg, CLIP, null, { width: 64, height: 36 })) {
      expect(frame.length).toBe(64 * 36 * 3);
      if (++frames === 5) break;
    }
    expect(frames).toBe(5);
  });
});
