import { performance } from 'node:perf_hooks';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { type Candidate } from '../boxes';
import { letterbox, type Letterbox, type Placement } from '../letterbox';
import { nms } from '../nms';
import { fillTensor, ULTRALYTICS_FORMAT, YOLOX_FORMAT, type TensorFormat } from '../preprocess';
import { decodeUltralytics } from '../ultralytics';
import { decodeYolox } from '../yolox';
import { type RgbImage } from '../ocr/image';

export type DetectorFamily = 'yolox' | 'ultralytics';

/** What a worker needs to load one detection model. */
export interface DetectorModel {
  id: string;
  family: DetectorFamily;
  path: string;
  input: { width: number; height: number };
  /** Number of labels; the output layout must fit it. */
  classes: number;
}

/** Boxes in model-input pixels (after NMS) and where the time went. */
export interface DetectorOutput {
  candidates: Candidate[];
  preprocess_ms: number;
  inference_ms: number;
  postprocess_ms: number;
}

export const DETECTOR_PLACEMENT: Record<DetectorFamily, Placement> = { yolox: 'top-left', ultralytics: 'center' };
const FORMAT: Record<DetectorFamily, TensorFormat> = { yolox: YOLOX_FORMAT, ultralytics: ULTRALYTICS_FORMAT };

/**
 * One object-detection model on the calling thread: its ONNX Runtime session (created once), tensor filling, output
 * decoding and NMS. Input buffers are pooled: onnxruntime-node starts a run on a later turn of the event loop
 * (setImmediate), so a second frame that arrives in between must not fill the buffer the first one is about to read;
 * steady state still allocates no tensors.
 */
export class DetectorEngine {
  private readonly buffers: Float32Array[] = [];
  private readonly dims: number[];

  private constructor(
    readonly model: DetectorModel,
    private readonly session: InferenceSession,
  ) {
    this.dims = [1, 3, model.input.height, model.input.width];
  }

  static async load(model: DetectorModel, options: InferenceSession.SessionOptions): Promise<DetectorEngine> {
    return new DetectorEngine(model, await InferenceSession.create(model.path, options));
  }

  /**
   * Runs once on a grey frame: ORT allocates and plans lazily on the first run, and this checks that the output
   * layout and the label count agree, so a wrong manifest entry fails at start-up.
   */
  async warmup(): Promise<void> {
    const { width, height } = this.model.input;
    const grey = { data: new Uint8Array(width * height * 3).fill(114), width, height };
    await this.detect(grey, letterbox(width, height, width, height, 'top-left'), 0.25, 0.45);
  }

  /** `image` must already be scaled to `lb.width` x `lb.height`. */
  async detect(image: RgbImage, lb: Letterbox, scoreThreshold: number, iouThreshold: number): Promise<DetectorOutput> {
    const t0 = performance.now();
    const buffer = this.buffers.pop() ?? new Float32Array(3 * this.model.input.width * this.model.input.height);
    let output: Tensor;
    let t1: number;
    try {
      fillTensor(image.data, lb, FORMAT[this.model.family], buffer);
      t1 = performance.now();
      const outputs = await this.session.run({
        [this.session.inputNames[0]]: new Tensor('float32', buffer, this.dims),
      });
      output = outputs[this.session.outputNames[0]];
    } finally {
      this.buffers.push(buffer);
    }
    const t2 = performance.now();
    try {
      const candidates = nms(this.decode(output, scoreThreshold), iouThreshold);
      return { candidates, preprocess_ms: t1 - t0, inference_ms: t2 - t1, postprocess_ms: performance.now() - t2 };
    } finally {
      output.dispose();
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private decode(output: Tensor, scoreThreshold: number): Candidate[] {
    const data = output.data as Float32Array;
    const { classes, id } = this.model;
    const { width, height } = this.model.input;
    const dims = output.dims;
    if (this.model.family === 'yolox') {
      if (dims.length !== 3 || dims[2] !== 5 + classes) {
        throw new Error(`model ${id}: output ${JSON.stringify(dims)} does not fit ${classes} labels`);
      }
      return decodeYolox(data, width, height, classes, scoreThreshold);
    }
    if (dims.length !== 3 || dims[1] !== 4 + classes) {
      throw new Error(`model ${id}: output ${JSON.stringify(dims)} does not fit ${classes} labels`);
    }
    return decodeUltralytics(data, classes, dims[2], scoreThreshold);
  }
}
