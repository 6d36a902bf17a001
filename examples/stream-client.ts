/**
 * A small Node client for the live stream: sends a folder of JPEGs or a video file's frames
 * (decoded by ffmpeg) at a fixed rate and prints every answer as one JSON line.
 *
 *   node -r ts-node/register/transpile-only examples/stream-client.ts \
 *     --url ws://127.0.0.1:8000 --pipeline yolo --fps 15 [--max-frames N] <folder|video>
 *
 * It follows the backpressure etiquette of docs/CLIENT_GUIDE.md: it never sends faster than
 * asked, lowers its rate to the server's suggested_fps on slow_down, and keeps at most
 * --max-in-flight frames unanswered (frames beyond that are skipped at the source, not queued).
 * The last line is a summary: {"summary": {...}}.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import WebSocket from 'ws';
import type { StreamServerMessage } from '@forgesyte/contracts';

export interface StreamHandle {
  socket: WebSocket;
  /** Resolves with the next answer, in arrival order; rejects on timeout or when the socket closes first. */
  next(timeoutMs?: number): Promise<StreamServerMessage>;
  /** Answers received and not yet taken by next(). */
  readonly pending: StreamServerMessage[];
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens `baseUrl/ws/video/stream?pipeline_id=...` and queues every answer. */
export function openStream(baseUrl: string, pipelineId: string): Promise<StreamHandle> {
  const url = `${baseUrl.replace(/\/$/, '')}/ws/video/stream?pipeline_id=${encodeURIComponent(pipelineId)}`;
  const socket = new WebSocket(url);
  const pending: StreamServerMessage[] = [];
  const waiters: { resolve(m: StreamServerMessage): void; reject(e: Error): void }[] = [];
  let isClosed = false;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      isClosed = true;
      for (const w of waiters.splice(0)) w.reject(new Error(`socket closed (${code})`));
      resolve({ code, reason: reason.toString() });
    });
  });
  socket.on('message', (data: WebSocket.RawData) => {
    const message = JSON.parse((data as Buffer).toString('utf8')) as StreamServerMessage;
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(message);
    else pending.push(message);
  });
  const next = (timeoutMs = 30000) =>
    new Promise<StreamServerMessage>((resolve, reject) => {
      const queued = pending.shift();
      if (queued) return resolve(queued);
      if (isClosed) return reject(new Error('socket closed'));
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(entry), 1);
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const entry = {
        resolve: (m: StreamServerMessage) => (clearTimeout(timer), resolve(m)),
        reject: (e: Error) => (clearTimeout(timer), reject(e)),
      };
      waiters.push(entry);
    });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, next, pending, closed }));
    socket.once('error', reject);
  });
}

/** JPEG frames from a folder (sorted by name) or from a video file through ffmpeg. */
export async function* jpegFrames(source: string, ffmpegPath?: string): AsyncGenerator<Buffer> {
  if (statSync(source).isDirectory()) {
    const names = readdirSync(source)
      .filter((n) => /\.jpe?g$/i.test(n))
      .sort();
    for (const name of names) yield readFileSync(join(source, name));
    return;
  }
  const ffmpeg = ffmpegPath ?? ffmpegInstaller.path;
  const child = spawn(
    ffmpeg,
    ['-v', 'error', '-i', source, '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '5', 'pipe:1'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  try {
    yield* splitJpegs(child.stdout);
  } finally {
    child.kill();
  }
}

/**
 * Cuts an MJPEG byte stream into JPEGs at the FF D9 end-of-image marker. This holds for ffmpeg's
 * mjpeg encoder: entropy-coded data stuffs FF as FF 00, and it writes no embedded thumbnail.
 */
export async function* splitJpegs(stream: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let buffered: Buffer = Buffer.alloc(0);
  for await (const chunk of stream) {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    let from = 0;
    for (;;) {
      const end = buffered.indexOf(Buffer.from([0xff, 0xd9]), from + 2);
      if (end < 0) break;
      yield buffered.subarray(from, end + 2);
      from = end + 2;
    }
    buffered = buffered.subarray(from);
  }
}

interface Options {
  url: string;
  pipeline: string;
  fps: number;
  maxFrames: number;
  maxInFlight: number;
  source: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    url: 'ws://127.0.0.1:8000',
    pipeline: 'yolo',
    fps: 15,
    maxFrames: Infinity,
    maxInFlight: 2,
    source: '',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i] ?? '';
    if (arg === '--url') options.url = value();
    else if (arg === '--pipeline') options.pipeline = value();
    else if (arg === '--fps') options.fps = Number(value());
    else if (arg === '--max-frames') options.maxFrames = Number(value());
    else if (arg === '--max-in-flight') options.maxInFlight = Number(value());
    else options.source = arg;
  }
  if (!options.source || !(options.fps > 0)) {
    throw new Error(
      'usage: stream-client.ts [--url ws://host:port] [--pipeline id] [--fps n] [--max-frames n] <folder|video>',
    );
  }
  return options;
}

export async function main(argv: string[]): Promise<number> {
  const options = parseArgs(argv);
  const stream = await openStream(options.url, options.pipeline);
  const sentAt = new Map<number, number>();
  const summary = { sent: 0, skipped: 0, processed: 0, dropped: 0, slow_down: 0, error: null as string | null };
  let fps = options.fps;
  let sent = 0;
  let sendingDone = false;

  const reader = (async () => {
    for (;;) {
      const message = await stream.next(60000).catch(() => null);
      if (message === null) return;
      if ('error' in message) {
        summary.error = message.error;
        console.log(JSON.stringify(message));
        return;
      }
      if ('warning' in message) {
        summary.slow_down++;
        fps = Math.max(1, Math.min(fps, message.suggested_fps));
        console.log(JSON.stringify(message));
        continue;
      }
      const rtt = performance.now() - (sentAt.get(message.frame_index) ?? performance.now());
      sentAt.delete(message.frame_index);
      if ('dropped' in message) {
        summary.dropped++;
        console.log(JSON.stringify({ frame_index: message.frame_index, dropped: true, rtt_ms: round(rtt) }));
      } else {
        summary.processed++;
        const labels = message.result.detections.map((d) => d.label);
        const texts = message.result.texts.map((t) => t.text);
        console.log(
          JSON.stringify({ frame_index: message.frame_index, rtt_ms: round(rtt), detections: labels, texts }),
        );
      }
      if (summary.processed + summary.dropped === summary.sent && sendingDone) return;
    }
  })();

  let nextAt = performance.now();
  for await (const frame of jpegFrames(options.source)) {
    if (sent >= options.maxFrames || summary.error !== null) break;
    const wait = nextAt - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    nextAt += 1000 / fps;
    // Etiquette: skip a frame at the source rather than pile them up in the server.
    if (sentAt.size >= options.maxInFlight) {
      summary.skipped++;
      continue;
    }
    sentAt.set(sent, performance.now());
    stream.socket.send(frame);
    sent++;
    summary.sent = sent;
  }
  sendingDone = true;
  if (summary.processed + summary.dropped < summary.sent && summary.error === null) await reader;
  stream.socket.close(1000);
  await stream.closed;
  console.log(JSON.stringify({ summary }));
  return summary.error === null ? 0 : 1;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(2);
    },
  );
}
