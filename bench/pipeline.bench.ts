/**
 * npm run bench:pipeline
 *
 * Per pipeline and image: median and p99 ms of decode (JPEG decode + resize + tensor fill),
 * inference (session.run), postprocess (decode boxes, NMS, mapping, hand-over to and from the
 * detector worker thread) and total, plus the ratio of the total median to a bare session.run on
 * a prepared tensor: the floor on this machine.
 *
 *   BENCH_ITERATIONS  runs per row (default 200 for fast models, fewer for slow ones)
 *   BENCH_PIPELINES   comma-separated pipeline ids (default yolo,yolo11n,yolov8n,ocr)
 *   MODELS_DIR, ORT_INTRA_OP_THREADS as for the server.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import { type PipelineResult } from '@forgesyte/contracts';
import { DetectorPool, OcrEngine } from '@forgesyte/vision';
import { Detector } from '../apps/server/src/pipeline/detector';
import { loadManifest } from '../apps/server/src/pipeline/model-manifest';
import { CompiledPipeline, ocrKey, type FrameInput } from '../apps/server/src/pipeline/pipeline-graph';

const ROOT = resolve(__dirname, '..');
const MEDIA = resolve(ROOT, '..', 'shared', 'media');
const MODELS_DIR = resolve(process.env.MODELS_DIR ?? join(ROOT, 'var', 'models'));
const THREADS = Number(process.env.ORT_INTRA_OP_THREADS ?? cpus().length);
const PIPELINES = (process.env.BENCH_PIPELINES ?? 'yolo,yolo11n,yolov8n,ocr').split(',');
const SESSION: InferenceSession.SessionOptions = {
  intraOpNumThreads: THREADS,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
};

function iterations(pipelineId: string): number {
  if (process.env.BENCH_ITERATIONS) return Number(process.env.BENCH_ITERATIONS);
  return pipelineId === 'yolov8n' ? 40 : pipelineId.includes('ocr') ? 10 : 200;
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

function stats(values: number[]): { median: number; p99: number } {
  const s = [...values].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p99: quantile(s, 0.99) };
}

/** session.run alone on a tensor prepared once: what no pre/post-processing could beat. */
interface RawRunner {
  run(): Promise<number>;
  release(): Promise<void>;
}

async function rawRunner(path: string, input: { width: number; height: number }): Promise<RawRunner> {
  const session = await InferenceSession.create(path, SESSION);
  const tensor = new Tensor('float32', new Float32Array(3 * input.width * input.height).fill(0.5), [
    1,
    3,
    input.height,
    input.width,
  ]);
  const feeds = { [session.inputNames[0]]: tensor };
  for (let i = 0; i < 10; i++) await session.run(feeds);
  return {
    async run() {
      const t0 = performance.now();
      await session.run(feeds);
      return performance.now() - t0;
    },
    release: () => session.release(),
  };
}

async function images(): Promise<[string, FrameInput][]> {
  // The size and quality a browser sends from a 4:3 webcam capture.
  const vga = await sharp(join(MEDIA, 'dog_bicycle_truck.jpg')).resize(640, 480).jpeg({ quality: 80 }).toBuffer();
  const encoded = (bytes: Buffer): FrameInput => ({ kind: 'encoded', bytes });
  return [
    ['640x480.jpg', encoded(vga)],
    ['bus.jpg 810x1080', encoded(readFileSync(join(MEDIA, 'bus.jpg')))],
    ['zidane.jpg 1280x720', encoded(readFileSync(join(MEDIA, 'zidane.jpg')))],
    ['street_signs 692x1024', encoded(readFileSync(join(MEDIA, 'street_signs_text.jpg')))],
  ];
}

async function main(): Promise<void> {
  const manifest = loadManifest(join(ROOT, 'models', 'manifest.json'));
  const inputs = await images();
  console.log(
    `pipeline benchmark: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ` +
      `ORT intra-op threads ${THREADS}, sharp concurrency ${sharp.concurrency()}`,
  );
  const header = ['pipeline', 'image', 'n', 'decode', 'inference', 'postproc', 'total', 'raw run', 'ratio'];
  const rows: string[][] = [];
  for (const id of PIPELINES) {
    const spec = manifest.pipelines.get(id);
    if (!spec) throw new Error(`unknown pipeline ${id}`);
    const detectors = new Map<string, Detector>();
    const ocr = new Map<string, OcrEngine>();
    const raw: RawRunner[] = [];
    // One worker with every ORT thread: one frame at a time, as the ratio compares it with one bare run.
    const pool = await DetectorPool.start({ workers: 1, threads: THREADS });
    for (const node of spec.nodes) {
      if (node.kind === 'detect') {
        const entry = manifest.models.get(node.model)!;
        const path = join(MODELS_DIR, entry.file);
        const detector = await Detector.load(
          {
            id: entry.id,
            family: entry.family as 'yolox' | 'ultralytics',
            path,
            input: entry.input!,
            labels: manifest.labels.get(entry.id)!,
          },
          pool,
          SESSION,
        );
        detectors.set(entry.id, detector);
        raw.push(await rawRunner(path, entry.input!));
      } else if (node.kind === 'ocr') {
        const det = manifest.models.get(node.det_model)!;
        const rec = manifest.models.get(node.rec_model)!;
        const engine = await OcrEngine.load(
          join(MODELS_DIR, det.file),
          join(MODELS_DIR, rec.file),
          join(MODELS_DIR, rec.dictionary!.file),
          SESSION,
        );
        await engine.warmup();
        ocr.set(ocrKey(det.id, rec.id), engine);
      }
    }
    const pipeline = new CompiledPipeline(spec, detectors, ocr, { maxPixels: 40_000_000 });
    for (const [name, input] of inputs) {
      if (name.startsWith('street_signs') !== id.includes('ocr') && !name.startsWith('640x480')) continue;
      const n = iterations(id);
      for (let i = 0; i < Math.min(10, n); i++) await pipeline.run(input);
      const results: PipelineResult[] = [];
      const floors: number[] = [];
      // Raw runs first, then pipeline runs: interleaved, the two sessions' ORT thread pools spin
      // after each run and slow each other down (measured 25 -> 37 ms a run), which inflated the
      // floor and flattered the ratio. Run it on a quiet machine.
      for (let i = 0; i < n; i++) {
        let floorMs = 0;
        for (const r of raw) floorMs += await r.run();
        floors.push(floorMs);
      }
      for (let i = 0; i < n; i++) results.push(await pipeline.run(input));
      const floor = raw.length > 0 ? stats(floors).median : 0;
      const col = (k: keyof PipelineResult['timings_ms']) => stats(results.map((r) => r.timings_ms[k]));
      const cells = (['decode', 'inference', 'postprocess', 'total'] as const).map((k) => {
        const s = col(k);
        return `${s.median.toFixed(2)} / ${s.p99.toFixed(2)}`;
      });
      const total = col('total').median;
      rows.push([
        id,
        name,
        String(n),
        ...cells,
        floor > 0 ? floor.toFixed(2) : '-',
        floor > 0 ? (total / floor).toFixed(2) : '-',
      ]);
      console.log(rows[rows.length - 1].join(' | '));
    }
    await pool.close();
    for (const o of ocr.values()) await o.release();
    for (const r of raw) await r.release();
  }
  console.log('\nms, median / p99 per column; ratio = total median / raw session.run median\n');
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
