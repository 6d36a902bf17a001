import { spawn } from 'node:child_process';

export interface Size {
  width: number;
  height: number;
}

export interface VideoInfo extends Size {
  /** ffmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  format: string;
  /** Frame rate of the first video stream (tbr when fps is absent); null when unknown. */
  fps: number | null;
  durationMs: number | null;
}

export class NotAVideoError extends Error {}

/** The file opens but is damaged (truncated, corrupt): ffmpeg said so while decoding, or far fewer frames came out than the container states. */
export class VideoDamagedError extends Error {
  constructor(detail: string) {
    super(`the video is damaged: ${detail}`);
    this.name = 'VideoDamagedError';
  }
}

/**
 * What ffmpeg prints when the data ends early or does not decode. It still exits 0 after a truncated MP4 whose
 * index is at the front (it decodes what is there), so its messages are what tell a damaged file from a short one.
 */
const DAMAGE =
  /partial file|Invalid data found when processing input|Error while decoding|corrupt|truncat|moov atom not found/i;

/** The first line of ffmpeg's output that reports damage, or null; the server's path of the file is left out. */
export function damageIn(stderr: string, path: string): string | null {
  const line = stderr.split(/[\r\n]+/).find((l) => DAMAGE.test(l));
  if (!line) return null;
  return line
    .split(path)
    .join('the file')
    .replace(/^\[[^\]]*\]\s*/, '')
    .replace(/^the file:\s*/, '')
    .trim();
}

/**
 * A decode that yielded far fewer frames than the container's duration implies (at the selection's rate) lost the
 * rest. 10 % and two frames of slack absorb rounding and variable frame rates.
 */
export function shortfall(decoded: number, info: VideoInfo, fps: number | null): string | null {
  const rate = fps ?? info.fps;
  if (info.durationMs === null || rate === null) return null;
  const expected = (info.durationMs / 1000) * rate;
  if (decoded >= expected * 0.9 - 2) return null;
  return `only ${decoded} of about ${Math.round(expected)} frames decode (the container states ${Math.round(info.durationMs / 1000)} s at ${rate} fps)`;
}

/** Demuxers that open still images: ffmpeg presents a JPEG as a one-frame "video". */
const IMAGE_FORMATS = /^(image2|[a-z0-9]+_pipe|gif|apng|webp)$/;

/** MP4 and MOV files carry an `ftyp` box right after the first box's 4-byte size. */
export function hasFtypBox(head: Buffer): boolean {
  return head.length >= 8 && head.toString('latin1', 4, 8) === 'ftyp';
}

/** Reads what `ffmpeg -i` prints about the input; null when it shows no usable video stream. */
export function parseProbe(stderr: string): VideoInfo | null {
  const input = /^Input #0, ([^\s]+), from /m.exec(stderr);
  const stream = /^\s*Stream #0:\d+.*?: Video: (.*)$/m.exec(stderr);
  if (!input || !stream) return null;
  const [, formatName = ''] = input;
  const [, streamLine = ''] = stream;
  const format = formatName.replace(/,$/, '');
  const size = /(?:^|[ ,])(\d{1,5})x(\d{1,5})(?:[ ,]|$)/.exec(streamLine);
  if (!size) return null;
  let width = Number(size[1]);
  let height = Number(size[2]);
  if (width === 0 || height === 0) return null;
  // ffmpeg auto-rotates on decode, so a quarter turn swaps the frames' sides.
  const rotation = /rotate\s*:\s*(-?\d+)|rotation of (-?[\d.]+) degrees/.exec(stderr);
  const degrees = rotation ? Math.abs(Math.round(Number(rotation[1] ?? rotation[2]))) % 180 : 0;
  if (degrees === 90) [width, height] = [height, width];
  const rate = /([\d.]+)k? fps/.exec(streamLine) ?? /([\d.]+)k? tbr/.exec(streamLine);
  const fps = rate && Number(rate[1]) > 0 ? Number(rate[1]) : null;
  const duration = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(stderr);
  const durationMs = duration
    ? Math.round((Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3])) * 1000)
    : null;
  return { format, width, height, fps, durationMs };
}

/** Is this a video ffmpeg can decode? Reads only the container headers. */
export async function probeVideo(ffmpeg: string, path: string): Promise<VideoInfo> {
  const { stderr } = await runFfmpeg(ffmpeg, ['-hide_banner', '-nostdin', '-i', path]);
  const info = parseProbe(stderr);
  if (!info) throw new NotAVideoError('ffmpeg finds no video stream in the file');
  if (IMAGE_FORMATS.test(info.format)) throw new NotAVideoError(`the file is a still image (${info.format})`);
  return info;
}

/** Scale to fit inside the box, keeping the aspect ratio; never enlarges. */
export function fitInside(source: Size, box: Size): Size {
  const scale = Math.min(1, box.width / source.width, box.height / source.height);
  return {
    width: Math.max(1, Math.round(source.width * scale)),
    height: Math.max(1, Math.round(source.height * scale)),
  };
}

/**
 * The frame selection both the counting pass and the decoding pass use, so they agree on the
 * number of frames: every decoded frame (passthrough), or the fps filter's samples.
 */
export function selectionArgs(fps: number | null, size?: Size): string[] {
  const filters: string[] = [];
  if (fps !== null) filters.push(`fps=${fps}`);
  if (size) filters.push(`scale=${size.width}:${size.height}:flags=bilinear`);
  return [
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    ...(filters.length ? ['-vf', filters.join(',')] : []),
    '-vsync',
    'passthrough',
  ];
}

/** Decodes the whole selection once to learn how many frames the job will have. */
export async function countFrames(
  ffmpeg: string,
  path: string,
  fps: number | null,
  signal?: AbortSignal,
): Promise<number> {
  const args = ['-hide_banner', '-nostdin', '-i', path, ...selectionArgs(fps), '-f', 'null', '-'];
  const { code, stderr } = await runFfmpeg(ffmpeg, args, signal);
  const counts = [...stderr.matchAll(/frame=\s*(\d+)/g)];
  if (code !== 0 || counts.length === 0) throw new Error(`ffmpeg could not decode the video: ${lastLine(stderr)}`);
  const damage = damageIn(stderr, path);
  if (damage) throw new VideoDamagedError(damage);
  return Number(counts.at(-1)?.[1]);
}

function runFfmpeg(
  ffmpeg: string,
  args: string[],
  signal?: AbortSignal,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'ignore', 'pipe'], signal });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      // Headers and the final progress line are all we read; keep memory bounded on long runs.
      stderr = (stderr + chunk).slice(-64_000);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

export function lastLine(text: string): string {
  const lines = text.split(/[\r\n]+/).filter((l) => l.trim() !== '');
  return lines.at(-1)?.trim() ?? 'no output';
}

/** Why a video whose header says this is refused at submit, or null when it is within the limits. */
export function videoTooLarge(
  info: VideoInfo,
  fps: number | null,
  limits: { JOBS_MAX_VIDEO_PIXELS: number; JOBS_MAX_FRAMES: number },
): string | null {
  const pixels = info.width * info.height;
  if (pixels > limits.JOBS_MAX_VIDEO_PIXELS) {
    return `the video is ${info.width}x${info.height} (${pixels} pixels a frame); the limit is ${limits.JOBS_MAX_VIDEO_PIXELS} (JOBS_MAX_VIDEO_PIXELS)`;
  }
  const rate = fps ?? info.fps;
  if (info.durationMs !== null && rate !== null) {
    const frames = Math.ceil((info.durationMs / 1000) * rate);
    if (frames > limits.JOBS_MAX_FRAMES) {
      return `the video lasts ${Math.round(info.durationMs / 1000)} s, about ${frames} frames at ${rate} fps; the limit is ${limits.JOBS_MAX_FRAMES} frames (JOBS_MAX_FRAMES)`;
    }
  }
  return null;
}
