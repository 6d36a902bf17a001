/**
 * npm run bench:stream [-- --scenarios 1x15,4x15,4x30 --seconds 10 --pipeline yolo --phase spread --frame 640x480]
 *
 * Starts the built server (the npm script builds it first; see support/bench-server.ts) as a child process on a
 * free loopback port (so client and server do not share an event loop), then for each scenario (sessions x fps) streams 640x480 JPEGs for the
 * given seconds and prints, per session, round-trip p50/p95/p99 of processed frames and the
 * processed/dropped counts; per scenario the aggregate processed fps, slow_down signals and the
 * server's peak RSS. The last default scenario offers twice what the server can process, to show
 * the overload behaviour (drops and slow_down) and the saturated throughput.
 *
 * --phase spread (default) starts the sessions at evenly spread points of the frame period, as
 * independent cameras would be; --phase aligned sends every session's frame at the same instant
 * (the worst case: bursts of N frames). Bounded: every scenario ends at its deadline plus a 5 s drain.
 *
 * Per scenario it also prints the server's event-loop delay (p50/p99/max, `perf_hooks.monitorEventLoopDelay` in the
 * server process, preloaded by `support/loop-delay.mjs`): how long a socket read or timer of the server waited.
 * The server's environment is this process's, so `ORT_ALLOW_SPINNING=0 npm run bench:stream` compares settings.
 *
 * --frame WxH sets the frame sent (default 640x480, what a webcam gives; `--frame 416x312` is that frame at `yolo`'s
 * frame_size, what the dashboard sends since it fits frames to GET /pipelines' frame_size).
 */
import { performance } from 'node:perf_hooks';
import { classifyStreamMessage } from '@forgesyte/contracts';
import { openStream } from '../examples/stream-client';
import { percentile, rssMb, startBenchServer, streamFrame } from './support/bench-server';

interface Scenario {
  sessions: number;
  fps: number;
}

interface Args {
  scenarios: Scenario[];
  seconds: number;
  pipeline: string;
  phase: 'spread' | 'aligned';
  frame: { width: number; height: number };
}

function parseScenarios(value: string): Scenario[] {
  return value.split(',').map((item) => {
    const m = /^(\d+)x(\d+(?:\.\d+)?)$/.exec(item);
    if (!m) throw new Error(`--scenarios takes SESSIONSxFPS items, got ${item}`);
    return { sessions: Number(m[1]), fps: Number(m[2]) };
  });
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    scenarios: parseScenarios('1x15,4x15,4x30'),
    seconds: 10,
    pipeline: 'yolo',
    phase: 'spread',
    frame: { width: 640, height: 480 },
  };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1] ?? '';
    if (argv[i] === '--scenarios') args.scenarios = parseScenarios(value);
    else if (argv[i] === '--phase') args.phase = value === 'aligned' ? 'aligned' : 'spread';
    else if (argv[i] === '--seconds') args.seconds = Math.min(60, Number(value));
    else if (argv[i] === '--pipeline') args.pipeline = value;
    else if (argv[i] === '--frame') {
      const m = /^(\d+)x(\d+)$/.exec(value);
      if (!m) throw new Error(`--frame takes WIDTHxHEIGHT, got ${value}`);
      args.frame = { width: Number(m[1]), height: Number(m[2]) };
    } else continue;
    i++;
  }
  return args;
}

interface SessionStats {
  sent: number;
  processed: number;
  dropped: number;
  slowDowns: number;
  unanswered: number;
  rtts: number[];
  /** The pipeline's own time (timings_ms.total) for processed frames. */
  pipelineMs: number[];
}

async function runSession(
  url: string,
  pipeline: string,
  frame: Buffer,
  fps: number,
  seconds: number,
  /** Delay before the first frame, as a fraction of the frame period. */
  phase = 0,
): Promise<SessionStats> {
  const stream = await openStream(url, pipeline);
  const stats: SessionStats = {
    sent: 0,
    processed: 0,
    dropped: 0,
    slowDowns: 0,
    unanswered: 0,
    rtts: [],
    pipelineMs: [],
  };
  const sentAt: number[] = [];
  stream.socket.on('message', (data: Buffer) => {
    const m = classifyStreamMessage(data.toString('utf8'));
    if (m?.kind === 'slow_down') stats.slowDowns++;
    else if (m?.kind === 'dropped') stats.dropped++;
    else if (m?.kind === 'result') {
      stats.processed++;
      stats.rtts.push(performance.now() - (sentAt[m.message.frame_index] ?? NaN));
      stats.pipelineMs.push(m.message.result.timings_ms.total);
    }
  });
  // The bench measures the server at a fixed offered load, so it does not follow slow_down.
  const start = performance.now() + (phase * 1000) / fps;
  const frames = Math.round(fps * seconds);
  for (let i = 0; i < frames; i++) {
    const due = start + (i * 1000) / fps;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sentAt[i] = performance.now();
    stream.socket.send(frame);
    stats.sent++;
  }
  const drainUntil = performance.now() + 5000;
  while (stats.processed + stats.dropped < stats.sent && performance.now() < drainUntil) {
    await new Promise((r) => setTimeout(r, 20));
  }
  stats.unanswered = stats.sent - stats.processed - stats.dropped;
  stream.socket.close();
  await stream.closed;
  stats.rtts.sort((a, b) => a - b);
  return stats;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const frame = await streamFrame(args.frame.width, args.frame.height);
  console.log(
    `stream bench: pipeline ${args.pipeline}, ${args.frame.width}x${args.frame.height} JPEG (${(frame.length / 1024).toFixed(0)} KB), ${args.seconds} s per scenario, ` +
      `session phases ${args.phase}`,
  );
  const server = await startBenchServer(args.pipeline, { JOBS_CONCURRENCY: '0', STREAM_MAX_SESSIONS_PER_CLIENT: '64' });
  try {
    // warm-up: first inferences pay for allocation and thread start-up
    await runSession(server.ws, args.pipeline, frame, 10, 1);
    for (const { sessions, fps } of args.scenarios) {
      await server.loopDelay(); // starts the server's event-loop histogram afresh for this scenario
      let peakRss = rssMb(server.pid);
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(server.pid))), 200);
      const started = performance.now();
      const results = await Promise.all(
        Array.from({ length: sessions }, (_, i) =>
          runSession(server.ws, args.pipeline, frame, fps, args.seconds, args.phase === 'spread' ? i / sessions : 0),
        ),
      );
      const elapsedS = (performance.now() - started) / 1000;
      clearInterval(sampler);
      const loop = await server.loopDelay();
      console.log(`\n${sessions} session(s) x ${fps} fps x ${args.seconds} s`);
      console.log('session  sent  processed  dropped  unanswered  slow_down  p50 ms  p95 ms  p99 ms');
      results.forEach((r, i) => {
        const cells = [
          String(i + 1).padEnd(7),
          String(r.sent).padStart(5),
          String(r.processed).padStart(10),
          String(r.dropped).padStart(8),
          String(r.unanswered).padStart(11),
          String(r.slowDowns).padStart(10),
          percentile(r.rtts, 50).toFixed(1).padStart(7),
          percentile(r.rtts, 95).toFixed(1).padStart(7),
          percentile(r.rtts, 99).toFixed(1).padStart(7),
        ];
        console.log(cells.join(' '));
      });
      const processed = results.reduce((s, r) => s + r.processed, 0);
      const dropped = results.reduce((s, r) => s + r.dropped, 0);
      const all = results.flatMap((r) => r.rtts).sort((a, b) => a - b);
      const inPipeline = results.flatMap((r) => r.pipelineMs).sort((a, b) => a - b);
      console.log(
        `aggregate: processed ${processed} (${(processed / Math.min(elapsedS, args.seconds)).toFixed(1)} fps), dropped ${dropped}, ` +
          `p50/p95/p99 ${percentile(all, 50).toFixed(1)}/${percentile(all, 95).toFixed(1)}/${percentile(all, 99).toFixed(1)} ms, ` +
          `pipeline p50 ${percentile(inPipeline, 50).toFixed(1)} ms, server RSS peak ${peakRss.toFixed(0)} MB, ` +
          `server event-loop delay p50/p99/max ${loop.p50}/${loop.p99}/${loop.max} ms`,
      );
    }
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
