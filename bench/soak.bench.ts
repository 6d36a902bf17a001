/**
 * npm run bench:soak [-- --minutes 10 --sessions 4 --fps 15 --pipeline yolo]
 * npm run bench:soak -- --attacker [--seconds 20]
 *
 * Soak (default): starts the server as a child process on a free loopback port and, for --minutes (default 10,
 * at most 120), streams --sessions live sessions at --fps (640x480 JPEGs; a session the server ends, e.g. at
 * STREAM_SESSION_TIMEOUT_S, reconnects) while a stream of video jobs runs (a short clip at 1 fps, each deleted when
 * done, the next submitted at once). Every 10 s it samples the server's RSS and open file descriptors; at the end it
 * prints processed/dropped/unanswered counts, jobs completed, RSS at start and end, the RSS slope (least squares
 * over the samples after the first minute, MB per minute) and the descriptors at start and end.
 *
 * --attacker: a good client at 15 fps for --seconds alone, then again beside a client that sends 200 fps and never
 * reads its answers; prints the good client's round-trip p50/p95/p99 and processed share in both runs, and the
 * server's peak RSS. Loopback only; bounded by its deadlines plus a 10 s drain.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { classifyStreamMessage, type JobStatusResponse } from '@forgesyte/contracts';
import { type BenchServer, MEDIA, percentile, rssMb, startBenchServer, streamFrame } from './support/bench-server';

const JOB_CLIP = join(MEDIA, 'crowd_walking_720p_h264.avi');

interface Args {
  minutes: number;
  sessions: number;
  fps: number;
  pipeline: string;
  attacker: boolean;
  seconds: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { minutes: 10, sessions: 4, fps: 15, pipeline: 'yolo', attacker: false, seconds: 20 };
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--attacker') args.attacker = true;
    else if (argv[i] === '--minutes') args.minutes = Math.min(120, Math.max(0.1, value));
    else if (argv[i] === '--sessions') args.sessions = Math.min(16, Math.max(1, value));
    else if (argv[i] === '--fps') args.fps = Math.min(60, Math.max(1, value));
    else if (argv[i] === '--seconds') args.seconds = Math.min(120, Math.max(2, value));
    else if (argv[i] === '--pipeline') args.pipeline = argv[i + 1] ?? args.pipeline;
  }
  return args;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

interface Counts {
  sent: number;
  processed: number;
  dropped: number;
  errors: number;
  rtts: number[];
}

/**
 * One client at `fps` until `until` (performance.now() ms): reconnects when the server ends its session, counts
 * every answer. Frames of a session that ended unanswered count as unanswered (sent - processed - dropped).
 */
async function streamUntil(
  ws: string,
  pipeline: string,
  frame: Buffer,
  fps: number,
  until: number,
  phase: number,
): Promise<Counts> {
  const counts: Counts = { sent: 0, processed: 0, dropped: 0, errors: 0, rtts: [] };
  await sleep((phase * 1000) / fps);
  while (performance.now() < until) {
    const socket = new WebSocket(`${ws}/ws/video/stream?pipeline_id=${pipeline}`);
    socket.on('error', () => undefined);
    const sentAt: number[] = [];
    let answered = 0;
    socket.on('message', (data: Buffer) => {
      const m = classifyStreamMessage(data.toString('utf8'));
      if (m?.kind === 'result') {
        counts.processed++;
        answered++;
        counts.rtts.push(performance.now() - (sentAt[m.message.frame_index] ?? NaN));
      } else if (m?.kind === 'dropped') {
        counts.dropped++;
        answered++;
      } else if (m?.kind === 'error') counts.errors++;
    });
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    const opened = await new Promise<boolean>((r) => {
      socket.once('open', () => r(true));
      socket.once('close', () => r(false));
    });
    if (!opened) {
      await sleep(1000);
      continue;
    }
    const start = performance.now();
    for (let i = 0; performance.now() < until && socket.readyState === WebSocket.OPEN; i++) {
      const wait = start + (i * 1000) / fps - performance.now();
      if (wait > 0) await sleep(wait);
      if (socket.readyState !== WebSocket.OPEN) break;
      sentAt[i] = performance.now();
      socket.send(frame);
      counts.sent++;
    }
    const drain = performance.now() + 10_000;
    while (answered < sentAt.length && socket.readyState === WebSocket.OPEN && performance.now() < drain)
      await sleep(20);
    socket.close();
    await closed;
  }
  return counts;
}

/** Submits the clip, waits for the job, deletes it; again until `until`. */
async function jobStream(
  http: string,
  pipeline: string,
  until: number,
): Promise<{ completed: number; failed: number }> {
  const clip = readFileSync(JOB_CLIP);
  const out = { completed: 0, failed: 0 };
  while (performance.now() < until) {
    const form = new FormData();
    form.append('pipeline_id', pipeline);
    form.append('fps', '1');
    form.append('file', new Blob([new Uint8Array(clip)], { type: 'video/x-msvideo' }), 'clip.avi');
    const res = await fetch(`${http}/video/submit`, { method: 'POST', body: form });
    if (res.status !== 202) {
      out.failed++;
      await sleep(1000);
      continue;
    }
    const { job_id } = (await res.json()) as { job_id: string };
    let state: JobStatusResponse['status'] = 'queued';
    while (state === 'queued' || state === 'running') {
      await sleep(500);
      state = ((await (await fetch(`${http}/video/status/${job_id}`)).json()) as JobStatusResponse).status;
    }
    if (state === 'completed') out.completed++;
    else out.failed++;
    await fetch(`${http}/video/jobs/${job_id}`, { method: 'DELETE' });
  }
  return out;
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den === 0 ? NaN : num / den;
}

async function soak(args: Args, frame: Buffer, server: BenchServer): Promise<void> {
  const { pid } = server;
  console.log(
    `soak: ${args.sessions} session(s) x ${args.fps} fps + a job stream, ${args.minutes} min, pipeline ${args.pipeline}`,
  );
  const t0 = performance.now();
  const until = t0 + args.minutes * 60_000;
  const samples: { min: number; rss: number; fds: number }[] = [];
  const sample = () => samples.push({ min: (performance.now() - t0) / 60_000, rss: rssMb(pid), fds: fds(pid) });
  sample();
  const sampler = setInterval(() => {
    sample();
    const s = samples.at(-1)!;
    console.log(`  ${s.min.toFixed(1).padStart(5)} min  rss ${s.rss.toFixed(0)} MB  fds ${s.fds}`);
  }, 10_000);
  const [sessions, jobs] = await Promise.all([
    Promise.all(
      Array.from({ length: args.sessions }, (_, i) =>
        streamUntil(server.ws, args.pipeline, frame, args.fps, until, i / args.sessions),
      ),
    ),
    jobStream(server.http, args.pipeline, until),
  ]);
  clearInterval(sampler);
  await sleep(2000); // let closed sockets and finished jobs settle
  sample();
  const total = sessions.reduce(
    (a, c) => ({
      sent: a.sent + c.sent,
      processed: a.processed + c.processed,
      dropped: a.dropped + c.dropped,
      errors: a.errors + c.errors,
    }),
    { sent: 0, processed: 0, dropped: 0, errors: 0 },
  );
  const rtts = sessions.flatMap((c) => c.rtts).sort((a, b) => a - b);
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last) throw new Error('the soak took no samples');
  const steady = samples.filter((s) => s.min >= 1);
  console.log('\nsoak summary');
  console.log(
    `  frames sent ${total.sent}, processed ${total.processed}, dropped ${total.dropped}, unanswered ${total.sent - total.processed - total.dropped}, session errors ${total.errors}`,
  );
  console.log(
    `  processed ${(total.processed / ((last.min || 1) * 60)).toFixed(1)} fps overall; round trip p50 ${percentile(rtts, 50).toFixed(0)} ms, p99 ${percentile(rtts, 99).toFixed(0)} ms`,
  );
  console.log(`  jobs completed ${jobs.completed}, failed or refused ${jobs.failed}`);
  console.log(
    `  server RSS start ${first.rss.toFixed(0)} MB, end ${last.rss.toFixed(0)} MB, peak ${Math.max(...samples.map((s) => s.rss)).toFixed(0)} MB, slope after the first minute ${slope(steady.map((s) => ({ x: s.min, y: s.rss }))).toFixed(2)} MB/min`,
  );
  console.log(`  open fds start ${first.fds}, end ${last.fds}, peak ${Math.max(...samples.map((s) => s.fds))}`);
}

async function attacker(args: Args, frame: Buffer, server: BenchServer): Promise<void> {
  const { pid } = server;
  console.log(
    `attacker: a good client at 15 fps for ${args.seconds} s, alone, then beside a 200 fps client that never reads`,
  );
  const report = (label: string, c: Counts, peak: number, baseline: number) => {
    c.rtts.sort((a, b) => a - b);
    console.log(
      `  ${label.padEnd(15)} sent ${c.sent}, processed ${c.processed} (${((100 * c.processed) / c.sent).toFixed(0)} %), dropped ${c.dropped}, unanswered ${c.sent - c.processed - c.dropped}; ` +
        `p50 ${percentile(c.rtts, 50).toFixed(0)} ms, p95 ${percentile(c.rtts, 95).toFixed(0)} ms, p99 ${percentile(c.rtts, 99).toFixed(0)} ms; server RSS peak +${(peak - baseline).toFixed(0)} MB`,
    );
  };
  for (const withAttacker of [false, true]) {
    const baseline = rssMb(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 200);
    let flood: NodeJS.Timeout | null = null;
    let bad: WebSocket | null = null;
    if (withAttacker) {
      bad = new WebSocket(`${server.ws}/ws/video/stream?pipeline_id=${args.pipeline}`);
      bad.on('error', () => undefined);
      await new Promise((r) => bad!.once('open', r));
      (bad as unknown as { _socket: Socket })._socket.pause();
      flood = setInterval(() => bad!.readyState === WebSocket.OPEN && bad!.send(frame), 5);
    }
    const counts = await streamUntil(server.ws, args.pipeline, frame, 15, performance.now() + args.seconds * 1000, 0);
    if (flood) clearInterval(flood);
    bad?.terminate();
    clearInterval(sampler);
    report(withAttacker ? 'with attacker' : 'alone', counts, peak, baseline);
    await sleep(2000);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const frame = await streamFrame();
  const server = await startBenchServer(args.pipeline, { JOBS_CONCURRENCY: '1' });
  try {
    if (args.attacker) await attacker(args, frame, server);
    else await soak(args, frame, server);
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
