/**
 * A small Node client for the live stream: sends a folder of JPEGs or a video file's frames
 * (decoded by ffmpeg) at a fixed rate and prints every answer as one JSON line.
 *
 *   node -r ts-node/register/transpile-only examples/stream-client.ts \
 *     --url ws://127.0.0.1:8000 --pipeline yolo --fps 15 [--max-frames N] [--max-in-flight N] [--wait]
 *     [--api-key KEY] <folder|video>
 *
 * It follows the backpressure etiquette of docs/CLIENT_GUIDE.md: it never sends faster than
 * asked, lowers its rate to the server's suggested_fps on slow_down, and keeps at most
 * --max-in-flight frames unanswered (frames beyond that are skipped at the source, not queued;
 * with --wait it waits for an answer instead, so every frame of a folder is analysed at the rate
 * the server serves, and declares `fps` so tracking runs on the recording's clock).
 * A video's frames are scaled by ffmpeg to fit the pipeline's `frame_size` from GET /pipelines (never enlarged):
 * larger frames would only cost the server decoding. A folder's JPEGs are sent as they are.
 * The last line is a summary: {"summary": {...}}.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import WebSocket from 'ws';
import {
  classifyStreamMessage,
  type ClassifiedStreamMessage,
  type PipelinesResponse,
  type StreamServerMessage,
} from '@forgesyte/contracts';

export interface StreamHandle {
  socket: WebSocket;
  /** Resolves with the next answer and its kind, in arrival order; rejects on timeout or when the socket closes first. */
  read(timeoutMs?: number): Promise<ClassifiedStreamMessage>;
  /** read() without the kind, for callers that only look at the fields. */
  next(timeoutMs?: number): Promise<StreamServerMessage>;
  /** Answers received and not yet taken by read() or next(). */
  readonly pending: StreamServerMessage[];
  closed: Promise<{ code: number; reason: string }>;
}

/**
 * Opens `baseUrl/ws/video/stream?pipeline_id=...` (plus `query`, e.g. `fps`, `lines`) and queues every answer.
 * `apiKey` goes in the Authorization header (a server with API_KEYS refuses the upgrade without it).
 */
export function openStream(
  baseUrl: string,
  pipelineId: string,
  apiKey?: string,
  query: Record<string, string> = {},
): Promise<StreamHandle> {
  const params = new URLSearchParams({ pipeline_id: pipelineId, ...query });
  const url = `${baseUrl.replace(/\/$/, '')}/ws/video/stream?${params.toString()}`;
  const socket = new WebSocket(url, apiKey ? { headers: { Authorization: `Bearer ${apiKey}` } } : {});
  const queue: ClassifiedStreamMessage[] = [];
  const pending: StreamServerMessage[] = [];
  const waiters: { resolve(m: ClassifiedStreamMessage): void; reject(e: Error): void }[] = [];
  let isClosed = false;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      isClosed = true;
      for (const w of waiters.splice(0)) w.reject(new Error(`socket closed (${code})`));
      resolve({ code, reason: reason.toString() });
    });
  });
  socket.on('message', (data: WebSocket.RawData) => {
    // Anything that is not a message of the contract (a newer server's extra kinds) is skipped.
    const classified = classifyStreamMessage((data as Buffer).toString('utf8'));
    if (classified === null) return;
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(classified);
    else {
      queue.push(classified);
      pending.push(classified.message);
    }
  });
  const read = (timeoutMs = 30000) =>
    new Promise<ClassifiedStreamMessage>((resolve, reject) => {
      const queued = queue.shift();
      if (queued) {
        pending.shift();
        return resolve(queued);
      }
      if (isClosed) return reject(new Error('socket closed'));
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(entry), 1);
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const entry = {
        resolve: (m: ClassifiedStreamMessage) => (clearTimeout(timer), resolve(m)),
        reject: (e: Error) => (clearTimeout(timer), reject(e)),
      };
      waiters.push(entry);
    });
  return new Promise((resolve, reject) => {
    const next = async (timeoutMs?: number) => (await read(timeoutMs)).message;
    socket.once('open', () => resolve({ socket, read, next, pending, closed }));
    socket.once('error', reject);
  });
}

/**
 * The pipeline's `frame_size` from `GET /pipelines` on the stream's server, or null when the server does not say
 * (an older server, or a refused request: the frames are then sent at their own size).
 */
export async function frameSizeOf(
  wsUrl: string,
  pipelineId: string,
  apiKey?: string,
): Promise<{ width: number; height: number } | null> {
  const url = `${wsUrl.replace(/\/$/, '').replace(/^ws/, 'http')}/pipelines`;
  try {
    const res = await fetch(url, apiKey ? { headers: { Authorization: `Bearer ${apiKey}` } } : {});
    if (!res.ok) return null;
    const body = (await res.json()) as PipelinesResponse;
    return body.pipelines.find((p) => p.id === pipelineId)?.frame_size ?? null;
  } catch {
    return null;
  }
}

/**
 * JPEG frames from a folder (sorted by name) or from a video file through ffmpeg, scaled to fit `fit` (aspect kept,
 * never enlarged) when given.
 */
async function* jpegFrames(
  source: string,
  fit: { width: number; height: number } | null,
  ffmpegPath?: string,
): AsyncGenerator<Buffer> {
  if (statSync(source).isDirectory()) {
    const names = readdirSync(source)
      .filter((n) => /\.jpe?g$/i.test(n))
      .sort();
    for (const name of names) yield readFileSync(join(source, name));
    return;
  }
  const ffmpeg = ffmpegPath ?? ffmpegInstaller.path;
  const scale = fit
    ? ['-vf', `scale='min(iw,${fit.width})':'min(ih,${fit.height})':force_original_aspect_ratio=decrease`]
    : [];
  const child = spawn(
    ffmpeg,
    ['-v', 'error', '-i', source, ...scale, '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '5', 'pipe:1'],
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
async function* splitJpegs(stream: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
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
  /** Wait for an answer rather than skip a frame when maxInFlight frames are unanswered. */
  wait: boolean;
  apiKey?: string;
  source: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    url: 'ws://127.0.0.1:8000',
    pipeline: 'yolo',
    fps: 15,
    maxFrames: Infinity,
    maxInFlight: 2,
    wait: false,
    apiKey: process.env.FORGESYTE_API_KEY,
    source: '',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const value = () => argv[++i] ?? '';
    if (arg === '--url') options.url = value();
    else if (arg === '--pipeline') options.pipeline = value();
    else if (arg === '--fps') options.fps = Number(value());
    else if (arg === '--max-frames') options.maxFrames = Number(value());
    else if (arg === '--max-in-flight') options.maxInFlight = Number(value());
    else if (arg === '--wait') options.wait = true;
    else if (arg === '--api-key') options.apiKey = value();
    else options.source = arg;
  }
  if (!options.source || !(options.fps > 0)) {
    throw new Error(
      'usage: stream-client.ts [--url ws://host:port] [--pipeline id] [--fps n] [--max-frames n] [--max-in-flight n] [--wait] [--api-key key] <folder|video>',
    );
  }
  return options;
}

async function main(argv: string[]): Promise<number> {
  const options = parseArgs(argv);
  // --wait sends a recording at the server's pace, not its own: it declares the recording's frame rate, so a
  // tracking pipeline follows motion on the recording's clock.
  const stream = await openStream(
    options.url,
    options.pipeline,
    options.apiKey,
    options.wait ? { fps: String(options.fps) } : {},
  );
  const sentAt = new Map<number, number>();
  const summary = { sent: 0, skipped: 0, processed: 0, dropped: 0, slow_down: 0, error: null as string | null };
  let fps = options.fps;
  let sent = 0;
  let sendingDone = false;
  let readerDone = false;
  /** Resolved by the reader on every answer or when it stops: what a --wait sender waits for. */
  let answered: () => void = () => undefined;
  const nextAnswer = () => new Promise<void>((resolve) => (answered = resolve));

  const reader = (async () => {
    for (;;) {
      const answer = await stream.read(60000).catch(() => null);
      answered();
      if (answer === null) return;
      if (answer.kind === 'error') {
        summary.error = answer.message.error;
        console.log(JSON.stringify(answer.message));
        return;
      }
      if (answer.kind === 'slow_down') {
        summary.slow_down++;
        fps = Math.max(1, Math.min(fps, answer.message.suggested_fps));
        console.log(JSON.stringify(answer.message));
        continue;
      }
      const message = answer.message;
      const rtt = performance.now() - (sentAt.get(message.frame_index) ?? performance.now());
      sentAt.delete(message.frame_index);
      if (answer.kind === 'dropped') {
        summary.dropped++;
        console.log(JSON.stringify({ frame_index: message.frame_index, dropped: true, rtt_ms: round(rtt) }));
      } else {
        summary.processed++;
        const { detections, texts: lines, image } = answer.message.result;
        const labels = detections.map((d) => d.label);
        const texts = lines.map((t) => t.text);
        // The size the server decoded: the frame as sent.
        const size = `${image.width}x${image.height}`;
        console.log(
          JSON.stringify({
            frame_index: message.frame_index,
            rtt_ms: round(rtt),
            image: size,
            detections: labels,
            texts,
          }),
        );
      }
      if (summary.processed + summary.dropped === summary.sent && sendingDone) return;
    }
  })();
  void reader.finally(() => {
    readerDone = true;
    answered();
  });

  let nextAt = performance.now();
  const fit = statSync(options.source).isDirectory()
    ? null
    : await frameSizeOf(options.url, options.pipeline, options.apiKey);
  for await (const frame of jpegFrames(options.source, fit)) {
    if (sent >= options.maxFrames || summary.error !== null) break;
    const wait = nextAt - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    nextAt += 1000 / fps;
    while (options.wait && sentAt.size >= options.maxInFlight && summary.error === null && !readerDone) {
      await nextAnswer();
    }
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
