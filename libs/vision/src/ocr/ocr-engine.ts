import { readFile } from 'node:fs/promises';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { type TextLine } from '@forgesyte/contracts';
import { runSingle, withSpinning } from '../onnx-run';
import { ctcGreedyDecode, parseDictionary } from './ctc-decode';
import { DbScratch, dbPostprocess, type TextRegion } from './db-postprocess';
import { detInputSize, fillDetTensor } from './det-preprocess';
import { type Quad, quadBounds } from './geometry';
import { type RgbImage, validateImage } from './image';
import { sortReadingOrder } from './line-order';
import { DEFAULT_OCR_OPTIONS, type OcrOptions } from './ocr-options';
import { planRecBatches } from './rec-batches';
import { REC_HEIGHT, fillRecSlot, readingQuad, recTargetWidth } from './rec-preprocess';

export interface OcrResult {
  /**
   * Reading order. `score` is the recognition confidence (mean winning probability of the characters read);
   * `polygon` is the detected quadrilateral, clockwise from the top-left of the text; `box` its bounds.
   */
  texts: TextLine[];
  /** Time inside `session.run` (detection and recognition). */
  inference_ms: number;
  /** Everything else: resizing and normalising, DB post-processing, cropping, CTC decoding, ordering. */
  postprocess_ms: number;
}

/** Buffers one `recognize` call needs; pooled so concurrent calls never share one and steady state allocates none. */
class Workspace {
  det = new Float32Array(0);
  rec = new Float32Array(0);
  readonly db = new DbScratch();

  detView(n: number): Float32Array {
    if (this.det.length < n) this.det = new Float32Array(n);
    return this.det.subarray(0, n);
  }

  recView(n: number): Float32Array {
    if (this.rec.length < n) this.rec = new Float32Array(n);
    return this.rec.subarray(0, n);
  }
}

const MAX_POOLED_WORKSPACES = 4;

const WARMUP_QUAD: Quad = [
  [40, 36],
  [280, 36],
  [280, 60],
  [40, 60],
];

/** PP-OCRv4 text detection (DB) and recognition (CTC) on onnxruntime-node, with no other framework. */
export class OcrEngine {
  private readonly pool: Workspace[] = [];

  private constructor(
    private readonly det: InferenceSession,
    private readonly rec: InferenceSession,
    private readonly chars: readonly string[],
    private readonly options: OcrOptions,
  ) {}

  static async load(
    detPath: string,
    recPath: string,
    dictPath: string,
    sessionOptions?: InferenceSession.SessionOptions,
    options: Partial<OcrOptions> = {},
  ): Promise<OcrEngine> {
    const engineOptions = { ...DEFAULT_OCR_OPTIONS, ...options };
    const ortOptions = withSpinning(sessionOptions ?? {}, engineOptions.ortSpinning);
    const [detR, recR, dictR] = await Promise.allSettled([
      createSession(detPath, 'detection', ortOptions),
      createSession(
        recPath,
        'recognition',
        engineOptions.recThreads === null ? ortOptions : { ...ortOptions, intraOpNumThreads: engineOptions.recThreads },
      ),
      readFile(dictPath, 'utf8'),
    ]);
    if (detR.status === 'rejected' || recR.status === 'rejected' || dictR.status === 'rejected') {
      // Whatever did load is released so a failed start-up does not hold native memory.
      if (detR.status === 'fulfilled') await detR.value.release();
      if (recR.status === 'fulfilled') await recR.value.release();
      const failed = [detR, recR, dictR].find((r) => r.status === 'rejected');
      throw failed?.reason;
    }
    const det = detR.value;
    const rec = recR.value;
    const chars = parseDictionary(dictR.value);
    const classes = staticLastDim(rec);
    if (classes !== null && classes !== chars.length) {
      await Promise.all([det.release(), rec.release()]);
      throw new Error(
        `OCR dictionary ${dictPath} gives ${chars.length} classes (blank + ${chars.length - 2} + space) ` +
          `but the recognition model ${recPath} outputs ${classes}`,
      );
    }
    return new OcrEngine(det, rec, chars, engineOptions);
  }

  /** Runs both models once so the first real frame does not pay for ONNX Runtime's lazy initialisation. */
  async warmup(): Promise<void> {
    const width = 320;
    const height = 96;
    const data = new Uint8Array(width * height * 3).fill(255);
    // Dark bars give the detector something to find, so the recognition model runs as well.
    for (let y = 36; y < 60; y++) {
      for (let x = 40; x < 280; x++) {
        if (x % 24 < 14) data.fill(0, (y * width + x) * 3, (y * width + x) * 3 + 3);
      }
    }
    const { texts } = await this.recognize({ data, width, height });
    if (texts.length > 0) return;
    // Nothing was read (or kept), so recognition has not run yet: run it on a fixed crop.
    const ws = this.acquire();
    try {
      await this.runRec([WARMUP_QUAD], { data, width, height }, ws);
    } finally {
      this.releaseWorkspace(ws);
    }
  }

  async recognize(image: RgbImage): Promise<OcrResult> {
    validateImage(image);
    const started = performance.now();
    const ws = this.acquire();
    try {
      const { regions, inferenceMs: detMs } = await this.detect(image, ws);
      const quads = regions.map((r) => readingQuad(r.quad));
      const { decoded, inferenceMs: recMs } = await this.runRec(quads, image, ws);
      const lines: TextLine[] = [];
      regions.forEach((region, i) => {
        const d = decoded[i];
        if (d === undefined || d.text.trim() === '' || d.score < this.options.minTextScore) return;
        const polygon = region.quad.map(([x, y]): [number, number] => [round1(x), round1(y)]);
        const b = quadBounds(region.quad);
        lines.push({
          text: d.text,
          score: Math.round(d.score * 1e4) / 1e4,
          box: { x1: round1(b.x1), y1: round1(b.y1), x2: round1(b.x2), y2: round1(b.y2) },
          polygon,
        });
      });
      const inference = detMs + recMs;
      const total = performance.now() - started;
      return {
        texts: sortReadingOrder(lines),
        inference_ms: inference,
        postprocess_ms: Math.max(0, total - inference),
      };
    } finally {
      this.releaseWorkspace(ws);
    }
  }

  async release(): Promise<void> {
    await Promise.all([this.det.release(), this.rec.release()]);
  }

  private async detect(image: RgbImage, ws: Workspace): Promise<{ regions: TextRegion[]; inferenceMs: number }> {
    const size = detInputSize(image.width, image.height, this.options.detLimitSide);
    const input = ws.detView(3 * size.width * size.height);
    fillDetTensor(image, input, size.width, size.height);
    const t0 = performance.now();
    const prob = await runSingle(this.det, new Tensor('float32', input, [1, 3, size.height, size.width]));
    const inferenceMs = performance.now() - t0;
    const [mapHeight, mapWidth] = prob.dims.slice(-2);
    if (mapHeight === undefined || mapWidth === undefined) {
      prob.dispose();
      throw new Error(`text detector output ${JSON.stringify(prob.dims)} is not a map`);
    }
    const regions = dbPostprocess(
      prob.data as Float32Array,
      mapWidth,
      mapHeight,
      image.width,
      image.height,
      this.options.db,
      ws.db,
    );
    prob.dispose();
    return { regions, inferenceMs };
  }

  /**
   * Recognises every quad. Crops are grouped by width (`planRecBatches`) so a run pads little; results come back in
   * the order of `quads`.
   */
  private async runRec(
    quads: Quad[],
    image: RgbImage,
    ws: Workspace,
  ): Promise<{ decoded: { text: string; score: number }[]; inferenceMs: number }> {
    const { recBatchSize, recMinWidth, recMaxWidth, recRunCost } = this.options;
    const decoded = quads.map(() => ({ text: '', score: 0 }));
    const widths = quads.map((quad) => recTargetWidth(quad, recMaxWidth));
    const batches = planRecBatches(widths, {
      minWidth: recMinWidth,
      maxWidth: recMaxWidth,
      maxBatch: recBatchSize,
      runCost: recRunCost,
    });
    let inferenceMs = 0;
    for (const { indices, width: tensorWidth } of batches) {
      const input = ws.recView(indices.length * 3 * REC_HEIGHT * tensorWidth);
      indices.forEach((index, slot) =>
        fillRecSlot(image, quads[index]!, input, slot, tensorWidth, Math.min(tensorWidth, widths[index]!)),
      );
      const t0 = performance.now();
      const probs = await runSingle(
        this.rec,
        new Tensor('float32', input, [indices.length, 3, REC_HEIGHT, tensorWidth]),
      );
      inferenceMs += performance.now() - t0;
      const [, steps, classes] = probs.dims;
      if (steps === undefined || classes === undefined) {
        probs.dispose();
        throw new Error(`text recogniser output ${JSON.stringify(probs.dims)} is not [batch, steps, classes]`);
      }
      const data = probs.data as Float32Array;
      indices.forEach((index, slot) => {
        decoded[index] = ctcGreedyDecode(data, steps, classes, this.chars, slot * steps * classes);
      });
      probs.dispose();
    }
    return { decoded, inferenceMs };
  }

  private acquire(): Workspace {
    return this.pool.pop() ?? new Workspace();
  }

  private releaseWorkspace(ws: Workspace): void {
    if (this.pool.length < MAX_POOLED_WORKSPACES) this.pool.push(ws);
  }
}

async function createSession(
  path: string,
  role: string,
  options: InferenceSession.SessionOptions,
): Promise<InferenceSession> {
  try {
    return await InferenceSession.create(path, options);
  } catch (e) {
    throw new Error(`OCR ${role} model ${path} could not be loaded: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
}

function staticLastDim(session: InferenceSession): number | null {
  const meta = session.outputMetadata[0];
  if (!meta || !meta.isTensor) return null;
  const last = meta.shape[meta.shape.length - 1];
  return typeof last === 'number' ? last : null;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
