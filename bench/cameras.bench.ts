/**
 * npm run bench:cameras
 *
 * N cameras at 5 fps from a local RTSP server (GStreamer, the Intel H.264 clip looping), pulled
 * by one in-process server with the `yolo` pipeline. After a warm-up, for BENCH_SECONDS it reads
 * every camera's viewer socket and prints, per camera: analysed fps, frame age (capture to the
 * viewer receiving the result) p50/p99, frames dropped (a newer frame replaced them); then the
 * CPU of the server and of its ffmpeg processes, and RSS. A run "sustains" N cameras when every
 * camera is served at >= 90 % of its fps and every p99 is under 500 ms.
 *
 *   BENCH_CAMERAS  comma-separated camera counts to try in turn (default 8)
 *   BENCH_FPS      per camera (default 5)
 *   BENCH_SECONDS  measured seconds per count (default 60); BENCH_WARMUP_S (default 15)
 *   BENCH_PIPELINE (default yolo); MODELS_DIR, PIPELINE_CONCURRENCY, ORT_INTRA_OP_THREADS as for the server.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { classifyCameraMessage, type CameraView } from '@forgesyte/contracts';
import { createApp } from '@forgesyte/server/app.factory';
import { CamerasSupervisor } from '@forgesyte/server/cameras/cameras.supervisor';
import { buildConfig } from '@forgesyte/server/config/config';
import { PipelineService } from '@forgesyte/server/pipeline/pipeline.service';
import { startRtspServer } from '../test/support/rtsp';

const ROOT = resolve(__dirname, '..');
const MODELS_DIR = resolve(process.env.MODELS_DIR ?? join(ROOT, 'var', 'models'));
const COUNTS = (process.env.BENCH_CAMERAS ?? '8').split(',').map(Number);
const FPS = Number(process.env.BENCH_FPS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 15);
const PIPELINE = process.env.BENCH_PIPELINE ?? 'yolo';
const TICKS = 100; // USER_HZ on Linux

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** CPU seconds (user + system) and RSS bytes of a process, from /proc. */
function procStat(pid: number): { cpuS: number; rss: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(fields[11]) + Number(fields[12])) / TICKS;
    const rss = Number(fields[21]) * 4096;
    return { cpuS, rss };
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function runCount(n: number): Promise<boolean> {
  const rtsp = await startRtspServer();
  const dataDir = mkdtempSync(join(tmpdir(), 'forgesyte-bench-cameras-'));
  const app = await createApp(
    buildConfig({
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      MODELS_DIR,
      PIPELINES: PIPELINE,
      JOBS_CONCURRENCY: 0,
      CAMERAS_MAX_PER_PROCESS: Math.max(8, n),
      // Every viewer socket comes from this one address, and viewers count toward the per-client limit.
      STREAM_MAX_SESSIONS_PER_CLIENT: Math.max(8, n),
      ...(process.env.PIPELINE_CONCURRENCY ? { PIPELINE_CONCURRENCY: process.env.PIPELINE_CONCURRENCY } : {}),
    }),
  );
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  await app.get(PipelineService).whenLoaded();
  const supervisor = app.get(CamerasSupervisor);
  try {
    const cameras: CameraView[] = [];
    for (let i = 1; i <= n; i++) {
      const res = await fetch(`${url}/cameras`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: `cam ${i}`, url: rtsp.url(`cam${i}`), pipeline_id: PIPELINE, fps: FPS }),
      });
      cameras.push((await res.json()) as CameraView);
    }
    const ages = new Map<string, number[]>(cameras.map((c) => [c.id, []]));
    let measuring = false;
    const sockets = cameras.map((c) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/cameras/${c.id}`);
      ws.on('message', (data: Buffer, binary: boolean) => {
        if (binary || !measuring) return;
        const m = classifyCameraMessage(data.toString());
        if (m?.kind === 'result') ages.get(c.id)!.push(Date.now() - m.message.timestamp_ms);
      });
      return ws;
    });
    await sleep(WARMUP_S * 1000);

    const ffmpegs = () =>
      childrenOf(process.pid).filter((pid) => /ffmpeg/.test(readFileSync(`/proc/${pid}/comm`, 'utf8')));
    const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + (procStat(pid)?.cpuS ?? 0), 0);
    const droppedBefore = new Map(cameras.map((c) => [c.id, supervisor.runner(c.id)?.dropped ?? 0]));
    const pidsBefore = ffmpegs();
    const serverBefore = procStat(process.pid)!.cpuS;
    const ffmpegBefore = cpuOf(pidsBefore);
    const rtspBefore = procStat(rtsp.child.pid!)?.cpuS ?? 0;
    const started = Date.now();
    measuring = true;
    await sleep(SECONDS * 1000);
    measuring = false;
    const elapsed = (Date.now() - started) / 1000;
    const pidsAfter = ffmpegs();
    const serverCpu = (procStat(process.pid)!.cpuS - serverBefore) / elapsed;
    const ffmpegCpu = (cpuOf(pidsAfter) - ffmpegBefore) / elapsed;
    const rtspCpu = ((procStat(rtsp.child.pid!)?.cpuS ?? 0) - rtspBefore) / elapsed;
    const rss = process.memoryUsage().rss;
    const ffmpegRss = pidsAfter.reduce((sum, pid) => sum + (procStat(pid)?.rss ?? 0), 0);

    console.log(
      `\n${n} cameras at ${FPS} fps, ${PIPELINE}, ${elapsed.toFixed(0)} s measured (load average ${(loadavg()[0] ?? 0).toFixed(1)}, ${cpus().length} cores)`,
    );
    console.log('camera  fps   age p50 ms  age p99 ms  dropped  status');
    let sustained = true;
    const all: number[] = [];
    for (const c of cameras) {
      const list = ages.get(c.id)!.sort((a, b) => a - b);
      all.push(...list);
      const fps = list.length / elapsed;
      const p99 = percentile(list, 99);
      const dropped = (supervisor.runner(c.id)?.dropped ?? 0) - droppedBefore.get(c.id)!;
      const status = supervisor.runner(c.id)?.status ?? 'not held';
      if (fps < FPS * 0.9 || !(p99 < 500)) sustained = false;
      console.log(
        `${c.name.padEnd(7)} ${fps.toFixed(2).padStart(4)}  ${percentile(list, 50).toFixed(0).padStart(10)}  ${p99.toFixed(0).padStart(10)}  ${String(dropped).padStart(7)}  ${status}`,
      );
    }
    all.sort((a, b) => a - b);
    const fpsList = cameras.map((c) => ages.get(c.id)!.length / elapsed);
    console.log(
      `all     ${(all.length / elapsed).toFixed(2)} frames/s analysed of ${n * FPS}; age p50 ${percentile(all, 50).toFixed(0)} ms, p99 ${percentile(all, 99).toFixed(0)} ms; fairness min/max fps ${(Math.min(...fpsList) / Math.max(...fpsList)).toFixed(2)}`,
    );
    console.log(
      `cpu     server ${(serverCpu * 100).toFixed(0)} %, ffmpeg ${(ffmpegCpu * 100).toFixed(0)} % (${pidsAfter.length} processes), rtsp test server ${(rtspCpu * 100).toFixed(0)} % (of one core each 100 %)`,
    );
    console.log(
      `rss     server ${(rss / 2 ** 20).toFixed(0)} MB, ffmpeg ${(ffmpegRss / 2 ** 20).toFixed(0)} MB together`,
    );
    console.log(
      `verdict ${sustained ? 'SUSTAINED' : 'NOT sustained'} (every camera >= ${(FPS * 0.9).toFixed(1)} fps and p99 < 500 ms)`,
    );
    for (const ws of sockets) ws.close();
    return sustained;
  } finally {
    await app.close();
    await rtsp.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  for (const n of COUNTS) await runCount(n);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
