import { type Detection } from '@forgesyte/contracts';
import {
  DETECTOR_PLACEMENT,
  letterbox,
  toImagePixels,
  type Candidate,
  type DetectorFamily,
  type DetectorPool,
  type Letterbox,
  type Placement,
  type RgbImage,
} from '@forgesyte/vision';
import { type InferenceSession } from 'onnxruntime-node';

export type { DetectorFamily };

export interface DetectorSpec {
  id: string;
  family: DetectorFamily;
  path: string;
  input: { width: number; height: number };
  labels: string[];
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
  ): Promise<Detector> {
    const { id, family, path, input, labels } = spec;
    await pool.load({ id, family, path, input, classes: labels.length }, options);
    return new Detector(spec, pool);
  }

  get placement(): Placement {
    return DETECTOR_PLACEMENT[this.spec.family];
  }

  /** Where an image of this size goes inside the model input. */
  layout(width: number, height: number): Letterbox {
    return letterbox(width, height, this.spec.input.width, this.spec.input.height, this.placement);
  }

  /**
   * `image` must already be scaled to `lb.width` x `lb.height`; boxes come back in `target` pixels. `alone`: no other
   * frame is in the pipelines now (see `DetectorPool.detect`).
   */
  async detect(
    image: RgbImage,
    lb: Letterbox,
    target: { width: number; height: number },
    scoreThreshold: number,
    iouThreshold: number,
    alone = false,
  ): Promise<DetectorRun> {
    const started = performance.now();
    const out = await this.pool.detect(this.spec.id, image, lb, scoreThreshold, iouThreshold, alone);
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
      label: this.spec.labels[c.classId],
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
