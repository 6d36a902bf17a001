import { damageIn, fitInside, parseProbe, shortfall, videoTooLarge } from './video-probe';

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

describe('damage and size checks', () => {
  const info = { format: 'mov,mp4,m4a,3gp,3g2,mj2', width: 768, height: 432, fps: 10, durationMs: 139_400 };

  it('names the first line of ffmpeg output that reports damage, without the server path', () => {
    const stderr = [
      'frame=   10 fps=0.0',
      '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1ebd6bc0] stream 0, offset 0xf8b82: partial file',
      '/srv/data/uploads/abc: Invalid data found when processing input',
    ].join('\n');
    expect(damageIn(stderr, '/srv/data/uploads/abc')).toBe('stream 0, offset 0xf8b82: partial file');
    expect(damageIn('/srv/data/uploads/abc: Invalid data found when processing input', '/srv/data/uploads/abc')).toBe(
      'Invalid data found when processing input',
    );
    expect(damageIn('frame=  139 fps=0.0 q=-0.0 Lsize=N/A', '/x')).toBeNull();
  });

  it('calls a decode short when far fewer frames come out than the stated duration implies', () => {
    expect(shortfall(42, info, 1)).toMatch(/only 42 of about 139 frames/);
    expect(shortfall(139, info, 1)).toBeNull();
    expect(shortfall(70, info, 0.5)).toBeNull();
    expect(shortfall(10, { ...info, durationMs: null }, 1)).toBeNull();
  });

  it('refuses headers over JOBS_MAX_VIDEO_PIXELS or JOBS_MAX_FRAMES, naming the setting', () => {
    const limits = { JOBS_MAX_VIDEO_PIXELS: 40_000_000, JOBS_MAX_FRAMES: 500_000 };
    expect(videoTooLarge(info, 1, limits)).toBeNull();
    expect(videoTooLarge({ ...info, width: 8192, height: 8192 }, 1, limits)).toMatch(
      /8192x8192.*JOBS_MAX_VIDEO_PIXELS/,
    );
    expect(videoTooLarge({ ...info, durationMs: 72_000_000 }, 30, limits)).toMatch(/2160000 frames.*JOBS_MAX_FRAMES/);
    expect(videoTooLarge({ ...info, durationMs: 72_000_000, fps: null }, null, limits)).toBeNull();
  });
});
