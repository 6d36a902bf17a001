/**
 * npm run bench:jobs
 *
 * A video job on the Intel clip (one-by-one-person-detection.mp4, 1394 frames) at every frame,
 * through the real server (upload, SQLite, ffmpeg raw RGB decode, pipeline, idempotent result
 * writes), against what the same pipeline does with no job machinery:
 *   - pipeline: runOnRaw on frames already decoded into memory (same size, same 2 in flight);
 *   - model: a bare session.run of the pipeline's ONNX model on a prepared tensor.
 * Prints frames/s for each and the job's ratio to both (target >= 0.8).
 *
 *   BENCH_PIPELINE   pipeline id (default yolo)
 *   BENCH_RAW_FRAMES frames for the in-memory measurements (default 300)
 *   DATABASE_URL     run the job on PostgreSQL instead of SQLite
 *   MODELS_DIR, ORT_INTRA_OP_THREADS as for the server.
 */
import { readFileSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { JobStatusResponse } from '@forgesyte/contracts';
import { firstInputName } from '@forgesyte/vision';
import { createApp } from '@forgesyte/server/app.factory';
import { buildConfig } from '@forgesyte/server/config/config';
import { resolveFfmpeg } from '@forgesyte/server/jobs/ffmpeg-path';
import { decodeRgbFrames } from '@forgesyte/server/jobs/video-decoder';
import { fitInside, probeVideo } from '@forgesyte/server/jobs/video-probe';
import { PipelineService } from '@forgesyte/server/pipeline/pipeline.service';

const ROOT = resolve(__dirname, '..');
const CLIP = resolve(ROOT, '..', 'shared', 'media', 'one-by-one-person-detection.mp4');
const MODELS_DIR = resolve(process.env.MODELS_DIR ?? join(ROOT, 'var', 'models'));
const PIPELINE = process.env.BENCH_PIPELINE ?? 'yolo';
const RAW_FRAMES = Number(process.env.BENCH_RAW_FRAMES ?? 300);
const THREADS = Number(process.env.ORT_INTRA_OP_THREADS ?? cpus().length);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'forgesyte-bench-jobs-'));
  const config = buildConfig({
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    MODELS_DIR,
    PIPELINES: PIPELINE,
    JOBS_CONCURRENCY: 1,
    UPLOAD_MAX_MB: 100,
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const pipeline = app.get(PipelineService);
  await pipeline.whenLoaded();

  try {
    // 1. The job, end to end.
    const form = new FormData();
    form.append('pipeline_id', PIPELINE);
    form.append('file', new Blob([new Uint8Array(readFileSync(CLIP))], { type: 'video/mp4' }), 'clip.mp4');
    const t0 = performance.now();
    const submitted = (await (await fetch(`${url}/video/submit`, { method: 'POST', body: form })).json()) as {
      job_id: string;
    };
    let status: JobStatusResponse;
    for (;;) {
      status = (await (await fetch(`${url}/video/status/${submitted.job_id}`)).json()) as JobStatusResponse;
      if (status.status !== 'queued' && status.status !== 'running') break;
      await sleep(100);
    }
    const wallS = (performance.now() - t0) / 1000;
    if (status.status !== 'completed') throw new Error(`job ended ${status.status}: ${status.error ?? ''}`);
    const frames = status.progress.frames_processed;
    const runS = (Date.parse(status.finished_at!) - Date.parse(status.started_at!)) / 1000;
    const jobFps = frames / runS;

    // 2. The same pipeline on frames already in memory.
    const ffmpeg = resolveFfmpeg(config);
    const info = await probeVideo(ffmpeg, CLIP);
    const size = fitInside(info, pipeline.inputSize(PIPELINE));
    const decoded: Buffer[] = [];
    for await (const frame of decodeRgbFrames(ffmpeg, CLIP, null, size)) {
      decoded.push(frame);
      if (decoded.length === RAW_FRAMES) break;
    }
    const originalSize = { width: info.width, height: info.height };
    const t1 = performance.now();
    let next = 0;
    const lane = async () => {
      while (next < decoded.length) {
        const i = next++;
        const data = decoded[i];
        if (data) await pipeline.runOnRaw(PIPELINE, i, { data, ...size }, { priority: 'job', originalSize });
      }
    };
    await Promise.all([lane(), lane()]);
    const pipelineFps = decoded.length / ((performance.now() - t1) / 1000);

    // 3. The bare model.
    const modelInfo = pipeline.list().find((p) => p.id === PIPELINE)!;
    const modelPath = join(MODELS_DIR, `${modelInfo.models[0]}.onnx`);
    let modelFps = NaN;
    if (existsSync(modelPath)) {
      const session = await InferenceSession.create(modelPath, {
        intraOpNumThreads: THREADS,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
      });
      const { width, height } = modelInfo.input_size;
      const tensor = new Tensor('float32', new Float32Array(3 * width * height).fill(0.5), [1, 3, height, width]);
      const feeds = { [firstInputName(session)]: tensor };
      for (let i = 0; i < 10; i++) await session.run(feeds);
      const t2 = performance.now();
      for (let i = 0; i < RAW_FRAMES; i++) await session.run(feeds);
      modelFps = RAW_FRAMES / ((performance.now() - t2) / 1000);
      await session.release();
    }

    const f = (n: number) => n.toFixed(1);
    console.log(
      `bench:jobs  pipeline=${PIPELINE}  db=${config.DATABASE_URL ? 'postgres' : 'sqlite'}  cores=${cpus().length}`,
    );
    console.log(
      `clip: ${info.width}x${info.height} -> ${size.width}x${size.height} raw RGB, ${frames} frames (every frame)`,
    );
    console.log(
      `job:      ${f(jobFps)} frames/s (started -> finished ${runS.toFixed(1)} s; submit -> completed ${wallS.toFixed(1)} s, ${f(frames / wallS)} frames/s)`,
    );
    console.log(`pipeline: ${f(pipelineFps)} frames/s (runOnRaw on ${decoded.length} frames in memory, 2 in flight)`);
    console.log(`model:    ${f(modelFps)} frames/s (bare session.run, ${THREADS} threads)`);
    console.log(
      `ratio job/pipeline: ${(jobFps / pipelineFps).toFixed(2)}   ratio job/model: ${(jobFps / modelFps).toFixed(2)}   (target >= 0.80)`,
    );
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
