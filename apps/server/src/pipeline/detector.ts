import { performance } from 'node:perf_hooks';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { type Detection } from '@forgesyte/contracts';
import {
  decodeUltralytics,
  decodeYolox,
  fillTensor,
  letterbox,
  nms,
  toImagePixels,
  ULTRALYTICS_FORMAT,
  YOLOX_FORMAT,
  type Candidate,
  type Letterbox,
  type Placement,
  type RgbImage,
  type TensorFormat,
} from '@forgesyte/vision';

export type DetectorFamily = 'yolox' | 'ultralytics';

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

const PLACEMENT: Record<DetectorFamily, Placement> = { yolox: 'top-left', ultralytics: 'center' };
const FORMAT: Record<DetectorFamily, TensorFormat> = { yolox: YOLOX_FORMAT, ultralytics: ULTRALYTICS_FORMAT };

/**
 * One object-detection model: its ONNX Runtime session (created once), its pre- and
 * post-processing, and a pool of input buffers so concurrent runs never share one and steady
 * state allocates no tensors.
 */
export class Detector {
  private readonly pool: Float32Array[] = [];
  private readonly dims: number[];

  private constructor(
    readonly spec: DetectorSpec,
    private readonly session: InferenceSession,
  ) {
    this.dims = [1, 3, spec.input.height, spec.input.width];
  }

  static async load(spec: DetectorSpec, options: InferenceSession.SessionOptions): Promise<Detector> {
    const session = await InferenceSession.create(spec.path, options);
    return new Detector(spec, session);
  }

  get placement(): Placement {
    return PLACEMENT[this.spec.family];
  }

  /** Where an image of this size goes inside the model input. */
  layout(width: number, height: number): Letterbox {
    return letterbox(width, height, this.spec.input.width, this.spec.input.height, this.placement);
  }

  /**
   * Runs once on a grey frame: ORT allocates and plans lazily on the first run, and checks that
   * the output layout and the labels file agree, so a wrong manifest entry fails at start-up.
   */
  async warmup(): Promise<void> {
    const { width, height } = this.spec.input;
    const grey = { data: new Uint8Array(width * height * 3).fill(114), width, height };
    await this.detect(grey, this.layout(width, height), { width, height }, 0.25, 0.45);
  }

  /** `image` must already be scaled to `lb.width` x `lb.height`; boxes come back in `target` pixels. */
  async detect(
    image: RgbImage,
    lb: Letterbox,
    target: { width: number; height: number },
    scoreThreshold: number,
    iouThreshold: number,
  ): Promise<DetectorRun> {
    const t0 = performance.now();
    const buffer = this.pool.pop() ?? new Float32Array(3 * this.spec.input.width * this.spec.input.height);
    let output: Tensor;
    let t1: number;
    let t2: number;
    try {
      fillTensor(image.data, lb, FORMAT[this.spec.family], buffer);
      t1 = performance.now();
      const outputs = await this.session.run({
        [this.session.inputNames[0]]: new Tensor('float32', buffer, this.dims),
      });
      output = outputs[this.session.outputNames[0]];
      t2 = performance.now();
    } finally {
      this.pool.push(buffer);
    }
    const candidates = this.decode(output, scoreThreshold);
    const detections = nms(candidates, iouThreshold).map((c) => this.toDetection(c, lb, target));
    output.dispose();
    return {
      detections,
      preprocess_ms: t1 - t0,
      inference_ms: t2 - t1,
      postprocess_ms: performance.now() - t2,
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private decode(output: Tensor, scoreThreshold: number): Candidate[] {
    const data = output.data as Float32Array;
    const classes = this.spec.labels.length;
    const { width, height } = this.spec.input;
    const dims = output.dims;
    if (this.spec.family === 'yolox') {
      if (dims.length !== 3 || dims[2] !== 5 + classes) {
        throw new Error(`model ${this.spec.id}: output ${JSON.stringify(dims)} does not fit ${classes} labels`);
      }
      return decodeYolox(data, width, height, classes, scoreThreshold);
    }
    if (dims.length !== 3 || dims[1] !== 4 + classes) {
      throw new Error(`model ${this.spec.id}: output ${JSON.stringify(dims)} does not fit ${classes} labels`);
    }
    return decodeUltralytics(data, classes, dims[2], scoreThreshold);
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
