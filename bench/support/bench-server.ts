/**
 * The server as a child process for the benchmarks that stream to it (bench:stream, bench:soak): client and server do
 * not share an event loop, and the server's RSS is its own. It is the built server, what `npm start` runs (the npm
 * scripts of these benchmarks build it first): run from source, ts-node's compiler sat in the heap of the main thread
 * and of every detector worker (24 MB in each worker), and their full garbage collections, every 2 s in a worker at
 * 15 fps, paused 3-9 ms each.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { freePort } from '../../test/support/free-port';

const ROOT = resolve(__dirname, '..', '..');
/** `npm start`'s entry point, made by `npm run build:server`. */
const SERVER_MAIN = join(ROOT, 'dist', 'apps', 'server', 'apps', 'server', 'src', 'main.js');
export const MEDIA = resolve(ROOT, '..', 'shared', 'media');

export interface BenchServer {
  /** The server's process id, for RSS and descriptor samples. */
  pid: number;
  http: string;
  ws: string;
  /** Stops the server (SIGTERM, as an orchestrator would) and removes its data directory. */
  stop(): Promise<void>;
  /** The server's event-loop delay (ms) since the last call (or its start), from `support/loop-delay.mjs`. */
  loopDelay(): Promise<LoopDelay>;
}

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/**
 * Starts the server from source on a free loopback port with `PIPELINES=pipeline` and `env` on top of this process's
 * environment, and resolves once /health/ready answers 200 (at most 120 s: the models load first).
 */
export async function startBenchServer(pipeline: string, env: Record<string, string>): Promise<BenchServer> {
  if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: run \`npm run build:server\` first`);
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'forgesyte-bench-'));
  const child = spawn(process.execPath, ['--import', './bench/support/loop-delay.mjs', SERVER_MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      PIPELINES: pipeline,
      DATA_DIR: dataDir,
      STREAM_MAX_SESSIONS: '64',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  if (child.pid === undefined) {
    await stop();
    throw new Error('the server process did not start');
  }
  const http = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ready = await fetch(`${http}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error('server not ready within 120 s');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const loopDelay = () =>
    new Promise<LoopDelay>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the server did not report its event-loop delay')), 5000);
      child.once('message', (message: { loopDelay: LoopDelay }) => {
        clearTimeout(timer);
        resolve(message.loopDelay);
      });
      child.send('loop-delay');
    });
  return { pid: child.pid, http, ws: `ws://127.0.0.1:${port}`, stop, loopDelay };
}

/** Resident set size of a process, in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return kb / 1024;
}

/** Nearest-rank percentile `p` (0-100) of an ascending list; NaN when it is empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** The frame both streaming benchmarks send: bus.jpg as a 640x480 JPEG at quality 85. */
export function streamFrame(width = 640, height = 480): Promise<Buffer> {
  return sharp(join(MEDIA, 'bus.jpg')).resize(width, height, { fit: 'cover' }).jpeg({ quality: 85 }).toBuffer();
}
