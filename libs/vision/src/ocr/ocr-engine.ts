import { readFile } from 'node:fs/promises';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { type TextLine } from '@forgesyte/contracts';
import { ctcGreedyDecode, parseDictionary } from './ctc-decode';
import { DbScratch, type DbOptions, dbPostprocess, type TextRegion } from './db-postprocess';
import { detInputSize, fillDetTensor } from './det-preprocess';
import { type Quad, quadBounds } from './geometry';
import { type RgbImage, validateImage } from './image';
import { sortReadingOrder } from './line-order';
import { REC_HEIGHT, fillRecSlot, quadSize, readingQuad, recTargetWidth } from './rec-preprocess';

export interface OcrOptions {
  /**
   * Longest detector input side; larger images are shrunk (PaddleOCR: 960). Detection dominates the cost and grows
   * with the pixel count, so 640 roughly halves it on large frames, at some loss on small text.
   */
  detLimitSide: number;
  db: Partial<DbOptions>;
  /** Crops per recognition run. */
  recBatchSize: number;
  /** Recognition input width never goes below this (PaddleOCR pads to 320) nor above `recMaxWidth`. */
  recMinWidth: number;
  recMaxWidth: number;
  /** Lines whose recognition confidence is below this are dropped (PaddleOCR's drop_score). */
  minTextScore: number;
}

export const DEFAULT_OCR_OPTIONS: OcrOptions = {
  detLimitSide: 960,
  db: {},
  recBatchSize: 6,
  recMinWidth: 320,
  recMaxWidth: 1600,
  minTextScore: 0.5,
};

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
    const [detR, recR, dictR] = await Promise.allSettled([
      createSession(detPath, 'detection', sessionOptions),
      createSession(recPath, 'recognition', sessionOptions),
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
    return new OcrEngine(det, rec, chars, { ...DEFAULT_OCR_OPTIONS, ...options });
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
        if (d.text.trim() === '' || d.score < this.options.minTextScore) return;
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
    const out = await this.det.run({
      [this.det.inputNames[0]]: new Tensor('float32', input, [1, 3, size.height, size.width]),
    });
    const inferenceMs = performance.now() - t0;
    const prob = out[this.det.outputNames[0]];
    const [mapHeight, mapWidth] = prob.dims.slice(-2);
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
   * Recognises every quad. Crops are batched by aspect ratio so each batch pads little; results come back in the
   * order of `quads`.
   */
  private async runRec(
    quads: Quad[],
    image: RgbImage,
    ws: Workspace,
  ): Promise<{ decoded: { text: string; score: number }[]; inferenceMs: number }> {
    const { recBatchSize, recMinWidth, recMaxWidth } = this.options;
    const decoded = quads.map(() => ({ text: '', score: 0 }));
    const aspect = quads.map((q) => {
      const s = quadSize(q);
      return s.height > 0 ? s.width / s.height : 0;
    });
    const order = quads.map((_, i) => i).sort((a, b) => aspect[a] - aspect[b]);
    let inferenceMs = 0;
    for (let start = 0; start < order.length; start += recBatchSize) {
      const batch = order.slice(start, start + recBatchSize);
      const widths = batch.map((i) => recTargetWidth(quads[i], recMaxWidth));
      const tensorWidth = Math.min(recMaxWidth, Math.max(recMinWidth, ...widths));
      const input = ws.recView(batch.length * 3 * REC_HEIGHT * tensorWidth);
      batch.forEach((qi, slot) => fillRecSlot(image, quads[qi], input, slot, tensorWidth, widths[slot]));
      const t0 = performance.now();
      const out = await this.rec.run({
        [this.rec.inputNames[0]]: new Tensor('float32', input, [batch.length, 3, REC_HEIGHT, tensorWidth]),
      });
      inferenceMs += performance.now() - t0;
      const probs = out[this.rec.outputNames[0]];
      const [, steps, classes] = probs.dims;
      const data = probs.data as Float32Array;
      batch.forEach((qi, slot) => {
        decoded[qi] = ctcGreedyDecode(data, steps, classes, this.chars, slot * steps * classes);
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
  options: InferenceSession.SessionOptions | undefined,
): Promise<InferenceSession> {
  try {
    return await InferenceSession.create(path, options ?? {});
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
