/**
 * What the pipeline benchmarks share: a pipeline loaded exactly as the server loads it (same manifest, detector
 * worker, sessions, DAG), a bare `session.run` on a prepared tensor (the floor), the frames, and the statistics.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import { DetectorPool, firstInputName, OcrEngine, withSpinning, type OcrOptions } from '@forgesyte/vision';
import { loadConfig } from '@forgesyte/server/config/config';
import { Detector, detectorSpec } from '@forgesyte/server/pipeline/detector';
import { HostLoad } from '@forgesyte/server/pipeline/host-load';
import { loadManifest, type Manifest, type ModelEntry } from '@forgesyte/server/pipeline/model-manifest';
import { CompiledPipeline, ocrKey, type FrameInput, type RunContext } from '@forgesyte/server/pipeline/pipeline-graph';

export const ROOT = resolve(__dirname, '..', '..');
const MEDIA = resolve(ROOT, '..', 'shared', 'media');
export const MODELS_DIR = resolve(process.env.MODELS_DIR ?? join(ROOT, 'var', 'models'));
export const THREADS = Number(process.env.ORT_INTRA_OP_THREADS ?? cpus().length);
/** `ORT_ALLOW_SPINNING` as the server reads it: auto (the default), true or false. */
export const SPINNING = loadConfig({ ORT_ALLOW_SPINNING: process.env.ORT_ALLOW_SPINNING }).ORT_ALLOW_SPINNING;
/** As the server sets them: spinning only with ORT_ALLOW_SPINNING=true (auto loads spinning twins besides). */
export const SESSION: InferenceSession.SessionOptions = withSpinning(
  { intraOpNumThreads: THREADS, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' },
  SPINNING === true,
);

let lone: Promise<{ context: RunContext; note: string }> | null = null;

/**
 * How the benches run their frames, one at a time: alone, and with ORT_ALLOW_SPINNING=auto spinning as the server
 * would on this host now, decided once per run from two seconds of the host's load (`HostLoad`) before any work.
 */
export function loneRun(): Promise<{ context: RunContext; note: string }> {
  lone ??= (async () => {
    if (SPINNING !== 'auto') {
      return {
        context: { alone: true, spin: false },
        note: `ORT_ALLOW_SPINNING=${SPINNING}: ${SPINNING ? 'every session spins' : 'no session spins'}`,
      };
    }
    const host = new HostLoad();
    host.sample();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    host.sample();
    const spin = host.quiet;
    const note =
      `ORT_ALLOW_SPINNING=auto: other processes kept ${host.otherCores.toFixed(2)} cores busy, ` +
      `so lone frames ${spin ? 'spin (a quiet host)' : 'do not spin (a busy host)'}`;
    return { context: { alone: true, spin }, note };
  })();
  return lone;
}

export function manifest(): Manifest {
  return loadManifest(join(ROOT, 'models', 'manifest.json'));
}

/** The one-minute load average, as printed beside every figure. */
export function loadAverage(): string {
  const [oneMinute = NaN] = loadavg();
  return oneMinute.toFixed(1);
}

export function machine(): string {
  return `node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ORT intra-op threads ${THREADS}`;
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

export function stats(values: number[]): { median: number; p99: number } {
  const s = [...values].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), p99: quantile(s, 0.99) };
}

/** session.run alone on a tensor prepared once: what no pre/post-processing could beat. */
export interface RawRunner {
  path: string;
  /** Milliseconds one session.run took on the input a frame of `frame`'s size gets in the pipeline. */
  timeOneRun(frame: { width: number; height: number }): Promise<number>;
  release(): Promise<void>;
}

async function rawRunner(detector: Detector, spin: boolean): Promise<RawRunner> {
  const { path } = detector.spec;
  const session = await InferenceSession.create(path, spin ? withSpinning(SESSION, true) : SESSION);
  const name = firstInputName(session);
  /** One prepared tensor per input size, warmed up when first made. */
  const feeds = new Map<string, Record<string, Tensor>>();
  const feedFor = async (frame: { width: number; height: number }) => {
    const { inputWidth: w, inputHeight: h } = detector.layout(frame.width, frame.height);
    let feed = feeds.get(`${w}x${h}`);
    if (!feed) {
      feed = { [name]: new Tensor('float32', new Float32Array(3 * w * h).fill(0.5), [1, 3, h, w]) };
      feeds.set(`${w}x${h}`, feed);
      for (let i = 0; i < 10; i++) await session.run(feed);
    }
    return feed;
  };
  return {
    path,
    async timeOneRun(frame) {
      const feed = await feedFor(frame);
      const t0 = performance.now();
      await session.run(feed);
      return performance.now() - t0;
    },
    release: () => session.release(),
  };
}

/** The size and quality a browser sends from a 4:3 webcam capture. */
function vgaJpeg(): Promise<Buffer> {
  return sharp(join(MEDIA, 'dog_bicycle_truck.jpg')).resize(640, 480).jpeg({ quality: 80 }).toBuffer();
}

/**
 * The same frame as a client sends it at YOLOX-Nano's scale (`frame_size` 416x416 in GET /pipelines): the 640x480
 * picture fitted inside 416x416, quality 80, as the dashboard's canvas encodes it.
 */
async function modelScaleJpeg(vga: Buffer): Promise<Buffer> {
  return sharp(vga).resize(416, 312).jpeg({ quality: 80 }).toBuffer();
}

export async function benchImages(): Promise<[string, FrameInput][]> {
  const encoded = (bytes: Buffer): FrameInput => ({ kind: 'encoded', bytes });
  const vga = await vgaJpeg();
  return [
    ['640x480.jpg', encoded(vga)],
    ['416x312.jpg (640x480 at frame_size)', encoded(await modelScaleJpeg(vga))],
    ['bus.jpg 810x1080', encoded(readFileSync(join(MEDIA, 'bus.jpg')))],
    ['zidane.jpg 1280x720', encoded(readFileSync(join(MEDIA, 'zidane.jpg')))],
    ['street_signs 692x1024', encoded(readFileSync(join(MEDIA, 'street_signs_text.jpg')))],
  ];
}

/** The copies of model files that `npm run models` makes (docs/MODELS.md). */
export type ModelCopy = 'any_size' | 'hard_swish' | 'space_to_depth';
export const ALL_COPIES: ModelCopy[] = ['any_size', 'hard_swish', 'space_to_depth'];

export interface LoadedPipeline {
  pipeline: CompiledPipeline;
  /** One bare runner per detection model of the pipeline. */
  raw: RawRunner[];
  close(): Promise<void>;
}

/**
 * Loads pipeline `id` on one detector worker with every ORT thread: one frame at a time, like one bare run.
 * `ocrOptions` overrides the OCR engine's defaults (the OCR comparison stage loads one engine per setting);
 * `ignore` lists the copies `npm run models` makes that are not to be loaded (`any_size`, `hard_swish`,
 * `space_to_depth`; all three: every model from its upstream file, detectors at their fixed input size), for
 * comparisons with what the pipelines load.
 */
export async function loadPipeline(
  m: Manifest,
  id: string,
  ocrOptions: Partial<OcrOptions> = {},
  { ignore = [] }: { ignore?: ModelCopy[] } = {},
): Promise<LoadedPipeline> {
  const spec = m.pipelines.get(id);
  if (!spec) throw new Error(`unknown pipeline ${id}`);
  const detectors = new Map<string, Detector>();
  const ocr = new Map<string, OcrEngine>();
  const raw: RawRunner[] = [];
  const pool = await DetectorPool.start({ workers: 1, threads: THREADS });
  for (const node of spec.nodes) {
    if (node.kind === 'detect') {
      const found = m.models.get(node.model)!;
      const entry = { ...found, ...Object.fromEntries(ignore.map((copy) => [copy, undefined])) };
      const detector = await Detector.load(
        detectorSpec(entry, m.labels.get(entry.id)!, (file) => join(MODELS_DIR, file)),
        pool,
        SESSION,
        SPINNING === 'auto',
      );
      detectors.set(entry.id, detector);
      raw.push(await rawRunner(detector, (await loneRun()).context.spin ?? false));
    } else if (node.kind === 'ocr') {
      const det = m.models.get(node.det_model)!;
      const rec = m.models.get(node.rec_model)!;
      const file = (entry: ModelEntry) =>
        join(MODELS_DIR, (!ignore.includes('hard_swish') && entry.hard_swish?.file) || entry.file);
      const engine = await OcrEngine.load(
        file(det),
        file(rec),
        join(MODELS_DIR, rec.dictionary!.file),
        SESSION,
        ocrOptions,
      );
      await engine.warmup();
      ocr.set(ocrKey(det.id, rec.id), engine);
    }
  }
  return {
    pipeline: new CompiledPipeline(spec, detectors, ocr, { maxPixels: 40_000_000 }),
    raw,
    async close() {
      await pool.close();
      for (const o of ocr.values()) await o.release();
      for (const r of raw) await r.release();
    },
  };
}
