/**
 * npm run bench:pipeline
 *
 * Per pipeline and image: median and p99 ms of decode (JPEG decode + resize + tensor fill),
 * inference (session.run), postprocess (decode boxes, NMS, mapping, hand-over to and from the
 * detector worker thread) and total, plus the ratio of the total median to a bare session.run on
 * a prepared tensor: the floor on this machine.
 *
 *   BENCH_ITERATIONS  runs per row (default 200 for fast models, fewer for slow ones)
 *   BENCH_PIPELINES   comma-separated pipeline ids (default yolo,yolo_track,yolo11n,yolov8n,ocr; empty: decode stage only)
 *   BENCH_DECODERS    comma-separated decoder chains to compare, each "a+b" tried in order
 *                     (default libjpeg-turbo+libvips,libvips: today's chain and libvips alone)
 *   BENCH_OCR_VARIANTS  JSON array of OCR engine settings to compare on the street-signs photo, taking turns
 *                     (see bench/support/ocr-variants.ts; unset: skipped)
 *   MODELS_DIR, ORT_INTRA_OP_THREADS as for the server.
 *
 * First, the decode stage alone (JPEG bytes to the YOLOX-Nano input tensor: header, decode, resize, tensor fill)
 * for each decoder chain (a chain whose first decoder hands frames to the detector worker is timed doing what the
 * worker does: a full-size TurboJPEG decode and the fused resize and fill, on this thread), the chains taking turns
 * frame by frame so that a load change on a shared machine hits them alike; then the pipelines. With `yolo` among
 * them, also the 640x480 frame against the same picture at the pipeline's frame_size (416x312, what the dashboard
 * sends), through the whole pipeline, the two taking turns; and the model file as loaded against the copies it was
 * made from (see docs/MODELS.md). With `ocr`, the `hard_swish` copies against the upstream files.
 */
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { type PipelineResult } from '@forgesyte/contracts';
import { decodeJpegTurboSync, fillTensor, fillTensorResized, letterbox, YOLOX_FORMAT } from '@forgesyte/vision';
import {
  decodedInWorker,
  decodeImage,
  DECODERS,
  probeImage,
  sharpDecoder,
  turboJpegDecoder,
} from '@forgesyte/server/pipeline/image-decoder';
import { type Manifest } from '@forgesyte/server/pipeline/model-manifest';
import { type CompiledPipeline, type FrameInput, type RunContext } from '@forgesyte/server/pipeline/pipeline-graph';
import {
  ALL_COPIES,
  benchImages,
  loadAverage,
  loadPipeline,
  loneRun,
  machine,
  manifest,
  stats,
  type RawRunner,
} from './support/bench-pipeline';
import { ocrVariants, ocrVariantStage } from './support/ocr-variants';
import { frameRunner, trackingCost } from './support/tracking-cost';

const PIPELINES = (process.env.BENCH_PIPELINES ?? 'yolo,yolo_track,yolo11n,yolov8n,ocr').split(',').filter(Boolean);
const DECODER_CHAINS = (process.env.BENCH_DECODERS ?? 'libjpeg-turbo+libvips,libvips').split(',');
const ALL_DECODERS = [turboJpegDecoder, sharpDecoder];

/** Makes the pipelines decode with `chain` ("libjpeg-turbo+libvips"): DECODERS is the list they read. */
function useDecoders(chain: string): void {
  const list = chain.split('+').map((name) => {
    const found = ALL_DECODERS.find((d) => d.name === name);
    if (!found) throw new Error(`unknown decoder ${name}; known: ${ALL_DECODERS.map((d) => d.name).join(', ')}`);
    return found;
  });
  DECODERS.splice(0, DECODERS.length, ...list);
}

function iterations(pipelineId: string): number {
  if (process.env.BENCH_ITERATIONS) return Number(process.env.BENCH_ITERATIONS);
  return pipelineId === 'yolov8n' ? 40 : pipelineId.includes('ocr') ? 10 : 200;
}

async function main(): Promise<void> {
  const m = manifest();
  const inputs = await benchImages();
  const lone = await loneRun();
  console.log(
    `pipeline benchmark: ${machine()}, sharp concurrency ${sharp.concurrency()}, ` +
      `load average ${loadAverage()} at ${new Date().toISOString()}\n${lone.note}`,
  );
  await decodeStage(inputs, m.models.get('yolox_nano_coco_416')?.any_size?.stride ?? null);
  trackingStage();
  const variants = ocrVariants();
  const signs = inputs.find(([name]) => name.startsWith('street_signs'));
  if (variants.length > 0 && signs) await ocrVariantStage(m, variants, signs[0], signs[1], iterations('ocr'));
  const header = [
    'pipeline',
    'image',
    'decoders',
    'n',
    'decode',
    'inference',
    'postproc',
    'total',
    'raw run',
    'ratio',
    'decode / raw',
  ];
  const rows: string[][] = [];
  for (const id of PIPELINES) {
    const loaded = await loadPipeline(m, id);
    if (id === 'yolo') {
      await frameSizeStage(loaded.pipeline, inputs, lone.context);
      await modelFilesStage(m, loaded.pipeline, inputs, lone.context);
    }
    if (id === 'ocr' && signs) await ocrFilesStage(m, loaded.pipeline, signs, lone.context);
    for (const [name, input] of inputs) {
      if (name.startsWith('street_signs') !== id.includes('ocr') && !name.startsWith('640x480')) continue;
      for (const chain of DECODER_CHAINS) {
        useDecoders(chain);
        const row = await measure(id, name, chain, loaded.pipeline, input, loaded.raw, lone.context);
        rows.push(row);
        console.log(row.join(' | '));
      }
    }
    await loaded.close();
  }
  console.log(
    `\nms, median / p99 per column; ratio = total median / raw session.run median; decode / raw likewise; ` +
      `load average ${loadAverage()} at the end\n`,
  );
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

/**
 * Decode stage per chain, chains interleaved; prints median / p99 and each chain's median over the first's. The
 * tensor is what the `yolo` pipeline fills: padded to the next multiple of `stride` when the model takes any size.
 */
async function decodeStage(inputs: [string, FrameInput][], stride: number | null): Promise<void> {
  const n = Number(process.env.BENCH_ITERATIONS ?? 300);
  const tensor = new Float32Array(3 * 416 * 416);
  const scratch = Buffer.alloc(1280 * 1080 * 3);
  const limits = { maxPixels: 40_000_000 };
  const padding = stride ? `padded to multiples of ${stride}` : 'padded to 416x416';
  console.log(`\ndecode stage, JPEG bytes to the YOLOX input (${padding}), ${n} runs per chain, chains taking turns\n`);
  console.log(
    `| image | ${DECODER_CHAINS.map((c) => `${c} median / p99`).join(' | ')} | ratio to ${DECODER_CHAINS[0]} |`,
  );
  console.log(`| --- | ${DECODER_CHAINS.map(() => '---').join(' | ')} | --- |`);
  for (const [name, input] of inputs) {
    if (input.kind !== 'encoded') continue;
    const runs = DECODER_CHAINS.map((chain) => ({ chain, times: [] as number[] }));
    for (let i = 0; i < n + 10; i++) {
      for (const { chain, times } of runs) {
        useDecoders(chain);
        const t0 = performance.now();
        const source = await probeImage(input.bytes, limits);
        const lb = letterbox(source.width, source.height, 416, 416, 'top-left', stride);
        const out = tensor.subarray(0, 3 * lb.inputWidth * lb.inputHeight);
        if (decodedInWorker(input.bytes, source.orientation)) {
          // What the detector worker does with the bytes (here on this thread, without the hand-over).
          fillTensorResized(decodeJpegTurboSync(input.bytes, scratch), lb, YOLOX_FORMAT, out);
        } else {
          const image = await decodeImage(input.bytes, lb, source.orientation, limits);
          fillTensor(image.data, lb, YOLOX_FORMAT, out);
        }
        if (i >= 10) times.push(performance.now() - t0);
      }
    }
    const s = runs.map((run) => stats(run.times));
    const cells = s.map((v) => `${v.median.toFixed(2)} / ${v.p99.toFixed(2)}`);
    const baseline = s[0]?.median ?? NaN;
    console.log(`| ${name} | ${cells.join(' | ')} | ${s.map((v) => (v.median / baseline).toFixed(2)).join(' / ')} |`);
  }
  console.log('');
}

/**
 * Runs each (pipeline, frame) pair `n` times, the pairs taking turns frame by frame so that a load change on a shared
 * machine hits them alike, after 10 uncounted turns; returns each pair's results.
 */
async function takeTurns(
  pairs: { pipeline: CompiledPipeline; input: FrameInput }[],
  n: number,
  lone: RunContext,
): Promise<PipelineResult[][]> {
  const results = pairs.map((): PipelineResult[] => []);
  for (let i = 0; i < n + 10; i++) {
    for (const [k, { pipeline, input }] of pairs.entries()) {
      const result = await pipeline.runFrame(input, lone);
      if (i >= 10) results[k]!.push(result);
    }
  }
  return results;
}

/**
 * The `yolo` pipeline (today's decoder chain) on the 640x480 frame and on the same picture at frame_size, frames
 * taking turns: decode and total median / p99, and the smaller frame's medians over the larger's.
 */
async function frameSizeStage(
  pipeline: CompiledPipeline,
  inputs: [string, FrameInput][],
  lone: RunContext,
): Promise<void> {
  const n = iterations('yolo');
  useDecoders(DECODER_CHAINS[0]!);
  const frames = inputs.filter(([name]) => name.startsWith('640x480') || name.startsWith('416x312'));
  const results = await takeTurns(
    frames.map(([, input]) => ({ pipeline, input })),
    n,
    lone,
  );
  const runs = frames.map(([name], k) => ({ name, results: results[k]! }));
  console.log(
    `\nyolo, frame sizes taking turns, ${DECODER_CHAINS[0]}, ${n} runs each, load average ${loadAverage()}\n`,
  );
  console.log('| frame | decode median / p99 | total median / p99 |');
  console.log('| --- | --- | --- |');
  const medians = runs.map(({ name, results }) => {
    const decode = stats(results.map((r) => r.timings_ms.decode));
    const total = stats(results.map((r) => r.timings_ms.total));
    const cell = (v: { median: number; p99: number }) => `${v.median.toFixed(2)} / ${v.p99.toFixed(2)}`;
    console.log(`| ${name} | ${cell(decode)} | ${cell(total)} |`);
    return { decode: decode.median, total: total.median };
  });
  const [large, small] = medians;
  if (large && small) {
    console.log(
      `\nat frame_size / at 640x480: decode ${(small.decode / large.decode).toFixed(2)}, ` +
        `total ${(small.total / large.total).toFixed(2)}\n`,
    );
  }
}

/**
 * The `yolo` pipeline as loaded (the copy of YOLOX-Nano that takes any input size, frames padded to the next multiple
 * of 32, with its focus stem as SpaceToDepth), the same without the SpaceToDepth copy, and the upstream file at its
 * fixed 416x416, taking turns frame by frame on each image: inference and total median / p99 of each, and each
 * one's medians over the upstream file's.
 */
async function modelFilesStage(
  m: Manifest,
  loaded: CompiledPipeline,
  inputs: [string, FrameInput][],
  lone: RunContext,
): Promise<void> {
  const n = iterations('yolo');
  useDecoders(DECODER_CHAINS[0]!);
  const stride = m.models.get('yolox_nano_coco_416')?.any_size?.stride ?? null;
  const anySize = await loadPipeline(m, 'yolo', {}, { ignore: ['space_to_depth'] });
  const fixed = await loadPipeline(m, 'yolo', {}, { ignore: ALL_COPIES });
  const files = [
    { label: 'as loaded (any size, SpaceToDepth)', pipeline: loaded },
    { label: 'any size', pipeline: anySize.pipeline },
    { label: 'upstream 416x416', pipeline: fixed.pipeline },
  ];
  console.log(`\nyolo, model files taking turns, ${n} runs each, load ${loadAverage()}\n`);
  console.log('| image | tensor | file | inference | total | inference / upstream | total / upstream |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const [name, input] of inputs) {
    if (name.startsWith('street_signs')) continue;
    const runs = await takeTurns(
      files.map(({ pipeline }) => ({ pipeline, input })),
      n,
      lone,
    );
    const measured = runs.map((results) => ({
      inference: stats(results.map((r) => r.timings_ms.inference)),
      total: stats(results.map((r) => r.timings_ms.total)),
    }));
    const image = runs[0]![0]!.image;
    const { inputWidth, inputHeight } = letterbox(image.width, image.height, 416, 416, 'top-left', stride);
    const upstream = measured[measured.length - 1]!;
    const cell = (x: { median: number; p99: number }) => `${x.median.toFixed(2)} / ${x.p99.toFixed(2)}`;
    for (const [k, { label }] of files.entries()) {
      const { inference, total } = measured[k]!;
      console.log(
        `| ${name} | ${inputWidth}x${inputHeight} | ${label} | ${cell(inference)} | ${cell(total)} | ` +
          `${(inference.median / upstream.inference.median).toFixed(2)} | ${(total.median / upstream.total.median).toFixed(2)} |`,
      );
    }
  }
  await anySize.close();
  await fixed.close();
  console.log('');
}

/**
 * The `ocr` pipeline as loaded (the `hard_swish` copies of the PP-OCRv4 files) against the upstream files, taking
 * turns on the street-signs photo: inference and total median / p99, their ratio (copy / upstream), and whether the
 * two read the same lines.
 */
async function ocrFilesStage(
  m: Manifest,
  copies: CompiledPipeline,
  [name, input]: [string, FrameInput],
  lone: RunContext,
): Promise<void> {
  const n = iterations('ocr') * 2;
  useDecoders(DECODER_CHAINS[0]!);
  const upstream = await loadPipeline(m, 'ocr', {}, { ignore: ALL_COPIES });
  const runs = await takeTurns(
    [copies, upstream.pipeline].map((pipeline) => ({ pipeline, input })),
    n,
    lone,
  );
  await upstream.close();
  const [c, u] = runs.map((results) => ({
    inference: stats(results.map((r) => r.timings_ms.inference)),
    total: stats(results.map((r) => r.timings_ms.total)),
    read: results[0]!.texts.map((t) => t.text).join(' / '),
  }));
  const cell = (x: { median: number; p99: number }) => `${x.median.toFixed(1)} / ${x.p99.toFixed(1)}`;
  console.log(`
ocr, hard_swish copies against the upstream files on ${name}, taking turns, ${n} runs each
`);
  console.log('| files | inference | total | read |');
  console.log('| --- | --- | --- | --- |');
  console.log(`| hard_swish | ${cell(c!.inference)} | ${cell(c!.total)} | ${c!.read} |`);
  console.log(`| upstream | ${cell(u!.inference)} | ${cell(u!.total)} | ${u!.read} |`);
  console.log(
    `
hard_swish / upstream: inference ${(c!.inference.median / u!.inference.median).toFixed(2)}, ` +
      `total ${(c!.total.median / u!.total.median).toFixed(2)}; same lines read: ${c!.read === u!.read}; ` +
      `load average ${loadAverage()}
`,
  );
}

/** The tracker alone, 20 objects a frame: what the track node adds to a frame (target under 0.5 ms). */
function trackingStage(): void {
  const objects = 20;
  const cost = trackingCost(objects, 2000);
  console.log(
    `tracking (SceneTracker.update, ${objects} objects, one line and one zone, 1970 frames): ` +
      `${cost.median.toFixed(3)} / ${cost.p99.toFixed(3)} ms median / p99 per frame, ${cost.ids} track ids; ` +
      `target < 0.5 ms, ratio ${(cost.median / 0.5).toFixed(2)}\n`,
  );
}

async function measure(
  id: string,
  name: string,
  chain: string,
  pipeline: CompiledPipeline,
  input: FrameInput,
  raw: RawRunner[],
  lone: RunContext,
): Promise<string[]> {
  const n = iterations(id);
  const context = frameRunner(pipeline);
  let frame = { width: 0, height: 0 };
  for (let i = 0; i < Math.min(10, n); i++) frame = (await pipeline.runFrame(input, context(lone))).image;
  const results: PipelineResult[] = [];
  const floors: number[] = [];
  // Raw runs first, then pipeline runs: interleaved, the two sessions' ORT thread pools spin
  // after each run and slow each other down (measured 25 -> 37 ms a run), which inflated the
  // floor and flattered the ratio. Run it on a quiet machine.
  for (let i = 0; i < n; i++) {
    let floorMs = 0;
    for (const r of raw) floorMs += await r.timeOneRun(frame);
    floors.push(floorMs);
  }
  for (let i = 0; i < n; i++) results.push(await pipeline.runFrame(input, context(lone)));
  const floor = raw.length > 0 ? stats(floors).median : 0;
  const col = (k: keyof PipelineResult['timings_ms']) => stats(results.map((r) => r.timings_ms[k]));
  const cells = (['decode', 'inference', 'postprocess', 'total'] as const).map((k) => {
    const s = col(k);
    return `${s.median.toFixed(2)} / ${s.p99.toFixed(2)}`;
  });
  const ratio = (v: number) => (floor > 0 ? (v / floor).toFixed(2) : '-');
  return [
    id,
    name,
    chain,
    String(n),
    ...cells,
    floor > 0 ? floor.toFixed(2) : '-',
    ratio(col('total').median),
    ratio(col('decode').median),
  ];
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
