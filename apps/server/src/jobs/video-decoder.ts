import { spawn } from 'node:child_process';
import { rawFrameSplitter } from './raw-frames';
import { damageIn, lastLine, selectionArgs, VideoDamagedError, type Size } from './video-probe';

/**
 * Yields the selected frames as packed RGB24 at `size`, straight from ffmpeg's stdout. Each
 * frame is its own Buffer (a consumer may still hold earlier ones). Stopping the iteration early
 * kills ffmpeg; a failed or damaged decode (VideoDamagedError) throws after the frames that did decode.
 */
export async function* decodeRgbFrames(
  ffmpeg: string,
  path: string,
  fps: number | null,
  size: Size,
): AsyncGenerator<Buffer, void, undefined> {
  const frameBytes = size.width * size.height * 3;
  const args = [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-threads',
    '1',
    '-i',
    path,
    ...selectionArgs(fps, size),
    '-pix_fmt',
    'rgb24',
    '-f',
    'rawvideo',
    'pipe:1',
  ];
  const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-16_000);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  exited.catch(() => undefined);

  let finished = false;
  try {
    const frames: Buffer[] = [];
    const split = rawFrameSplitter(frameBytes, (frame) => frames.push(frame));
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      split(chunk);
      yield* frames.splice(0);
    }
    const code = await exited;
    if (code !== 0) throw new Error(`ffmpeg failed decoding the video: ${lastLine(stderr)}`);
    const damage = damageIn(stderr, path);
    if (damage) throw new VideoDamagedError(damage);
    finished = true;
  } finally {
    if (!finished && child.exitCode === null) child.kill('SIGKILL');
  }
}
