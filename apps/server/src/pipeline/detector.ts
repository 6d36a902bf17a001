import { type Detection } from '@forgesyte/contracts';
import {
  DETECTOR_PLACEMENT,
  letterbox,
  toImagePixels,
  type Candidate,
  type DetectorFamily,
  type DetectorOutput,
  type DetectorPool,
  type Letterbox,
  type Placement,
  type RgbImage,
} from '@forgesyte/vision';
import { type InferenceSession } from 'onnxruntime-node';
import { type ModelEntry } from './model-manifest';

export type { DetectorFamily };

export interface DetectorSpec {
  id: string;
  family: DetectorFamily;
  path: string;
  /** The model's input; with a `stride`, the largest input a frame gets. */
  input: { width: number; height: number };
  /** Set for a model file that takes any input size that is a multiple of it (the manifest's `any_size`). */
  stride: number | null;
  labels: string[];
}

/** A detection model's manifest entry as the pipelines load it: its `any_size` copy when it has one. */
export function detectorSpec(entry: ModelEntry, labels: string[], pathOf: (file: string) => string): DetectorSpec {
  if (entry.family !== 'yolox' && entry.family !== 'ultralytics') throw new Error(`model ${entry.id}: not a detector`);
  return {
    id: entry.id,
    family: entry.family,
    path: pathOf(entry.space_to_depth?.file ?? entry.any_size?.file ?? entry.file),
    input: entry.input!,
    stride: entry.any_size?.stride ?? null,
    labels,
  };
}

/** The bytes of an upright JPEG for the worker to decode, and how to decode them here if it cannot. */
export interface JpegFrame {
  jpeg: Buffer;
  fallback: () => Promise<RgbImage>;
}

export interface DetectRequest {
  /** Where the frame goes in the model input (`layout`). */
  lb: Letterbox;
  /** The size boxes are reported in. */
  target: { width: number; height: number };
  scoreThreshold: number;
  iouThreshold: number;
  /** No other frame is in the pipelines now (see `DetectorPool.detect`). */
  alone?: boolean;
  /** With `alone`: the run may use the spinning twin of its session (a quiet host). */
  spin?: boolean;
}

export interface DetectorRun {
  detections: Detection[];
  preprocess_ms: number;
  inference_ms: number;
  postprocess_ms: number;
}

/**
 * One object-detection model as the pipelines see it: where a frame goes inside its input, and detections in the
 * frame's pixels with labels. The model itself runs on the worker threads of a `DetectorPool`.
 */
export class Detector {
  private constructor(
    readonly spec: DetectorSpec,
    private readonly pool: DetectorPool,
  ) {}

  /** Loads the model into every worker of `pool` and warms it up; fails if the output does not fit the labels. */
  static async load(
    spec: DetectorSpec,
    pool: DetectorPool,
    options: InferenceSession.SessionOptions,
    spinTwins = false,
  ): Promise<Detector> {
    const { id, family, path, input, stride, labels } = spec;
    await pool.load({ id, family, path, input, stride, classes: labels.length }, options, { spinTwins });
    return new Detector(spec, pool);
  }

  get placement(): Placement {
    return DETECTOR_PLACEMENT[this.spec.family];
  }

  /** Where an image of this size goes inside the model input. */
  layout(width: number, height: number): Letterbox {
    const { input, stride } = this.spec;
    return letterbox(width, height, input.width, input.height, this.placement, stride);
  }

  /**
   * Runs one frame: `image` at any size with the aspect of `lb` (the worker scales it while it fills the model
   * input), or the bytes of an upright JPEG that TurboJPEG takes, decoded in the worker (that time counts as
   * pre-processing; bytes the worker cannot decode after all are decoded here by `fallback`, and that time counts
   * too). Boxes come back in `target` pixels.
   */
  async detect(frame: RgbImage | JpegFrame, request: DetectRequest): Promise<DetectorRun> {
    const { lb, scoreThreshold, iouThreshold, alone = false, spin = false } = request;
    const started = performance.now();
    const run = { alone, spin };
    if (!('jpeg' in frame)) {
      const out = await this.pool.detect(this.spec.id, frame, lb, scoreThreshold, iouThreshold, run);
      return this.finish(out, started, request);
    }
    const out = await this.pool.detectJpeg(this.spec.id, frame.jpeg, lb, scoreThreshold, iouThreshold, run);
    if (out) return this.finish(out, started, request);
    const image = await frame.fallback();
    // The worker's refusal and the decode here.
    const spent = performance.now() - started;
    const result = await this.detect(image, request);
    return { ...result, preprocess_ms: result.preprocess_ms + spent };
  }

  private finish(out: DetectorOutput, started: number, { lb, target }: DetectRequest): DetectorRun {
    const detections = out.candidates.map((c) => this.toDetection(c, lb, target));
    // The hand-over to and from the worker counts as post-processing, so the stages still add up to the wait.
    const handOver = performance.now() - started - out.preprocess_ms - out.inference_ms - out.postprocess_ms;
    return {
      detections,
      preprocess_ms: out.preprocess_ms,
      inference_ms: out.inference_ms,
      postprocess_ms: out.postprocess_ms + Math.max(0, handOver),
    };
  }

  private toDetection(c: Candidate, lb: Letterbox, target: { width: number; height: number }): Detection {
    const b = toImagePixels(c, lb, target);
    return {
      // Warm-up checked that the model has one class per label, so the fallback is never used.
      label: this.spec.labels[c.classId] ?? String(c.classId),
      class_id: c.classId,
      score: round(c.score, 4),
      box: { x1: round(b.x1, 1), y1: round(b.y1, 1), x2: round(b.x2, 1), y2: round(b.y2, 1) },
    };
  }
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
