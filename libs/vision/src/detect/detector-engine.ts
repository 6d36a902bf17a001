import { performance } from 'node:perf_hooks';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { type Candidate } from '../boxes';
import { letterbox, type Letterbox, type Placement } from '../letterbox';
import { nms } from '../nms';
import { runSingle } from '../onnx-run';
import { fillTensorResized, ULTRALYTICS_FORMAT, YOLOX_FORMAT, type TensorFormat } from '../preprocess';
import { decodeUltralytics } from '../ultralytics';
import { decodeYolox } from '../yolox';
import { type RgbImage } from '../ocr/image';
import { decodeJpegTurboSync } from '../jpeg-decode';

export type DetectorFamily = 'yolox' | 'ultralytics';

/** What a worker needs to load one detection model. */
export interface DetectorModel {
  id: string;
  family: DetectorFamily;
  path: string;
  /** The model's input size: for a model that takes any size (`stride`), the largest input a frame gets. */
  input: { width: number; height: number };
  /** Set when the model takes any input size that is a multiple of it: frames are padded only that far. */
  stride: number | null;
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

/** Largest decoded frame whose buffer a detector keeps for the next one: 1920 x 1080 RGB. */
const SCRATCH_MAX_BYTES = 1920 * 1080 * 3;

export const DETECTOR_PLACEMENT: Record<DetectorFamily, Placement> = { yolox: 'top-left', ultralytics: 'center' };
const FORMAT: Record<DetectorFamily, TensorFormat> = { yolox: YOLOX_FORMAT, ultralytics: ULTRALYTICS_FORMAT };

/**
 * One object-detection model on the calling thread: its ONNX Runtime session (created once), tensor filling, output
 * decoding and NMS. Input buffers are pooled: onnxruntime-node starts a run on a later turn of the event loop
 * (setImmediate), so a second frame that arrives in between must not fill the buffer the first one is about to read;
 * steady state still allocates no tensors.
 */
export class DetectorEngine {
  /** Each large enough for the model's largest input; a smaller one uses the start. */
  private readonly buffers: Float32Array[] = [];
  /** Decoded RGB of the last JPEG frame, reused by the next (decode and fill happen in one synchronous stretch). */
  private scratch: Buffer | null = null;

  private constructor(
    readonly model: DetectorModel,
    private readonly session: InferenceSession,
  ) {}

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

  /**
   * `image` is the frame at any size with the aspect `lb` was computed from: scaling to `lb.width` x `lb.height` is
   * fused into the tensor fill (see `fillTensorResized`); at that size already it is a plain fill.
   */
  detect(image: RgbImage, lb: Letterbox, scoreThreshold: number, iouThreshold: number): Promise<DetectorOutput> {
    return this.run(image, performance.now(), lb, scoreThreshold, iouThreshold);
  }

  /**
   * Detection on the JPEG bytes of an upright frame of `lb.srcWidth` x `lb.srcHeight` (see `turboJpegTakes`),
   * decoded here at full size on this thread, then as `detect`; `preprocess_ms` covers the decode and the fill.
   * Resolves null, running nothing, when the bytes do not decode to that size (corrupt, or a kind TurboJPEG
   * rejects): the caller decodes them another way or reports them.
   */
  async detectJpeg(
    jpeg: Uint8Array,
    lb: Letterbox,
    scoreThreshold: number,
    iouThreshold: number,
  ): Promise<DetectorOutput | null> {
    const t0 = performance.now();
    const needed = lb.srcWidth * lb.srcHeight * 3;
    const into = needed <= (this.scratch?.length ?? 0) ? this.scratch! : Buffer.allocUnsafeSlow(needed);
    // A camera's or a browser's frames keep one buffer; a large photo's does not stay in memory after it.
    if (into !== this.scratch && needed <= SCRATCH_MAX_BYTES) this.scratch = into;
    let image: RgbImage;
    try {
      image = decodeJpegTurboSync(jpeg, into);
    } catch {
      return null;
    }
    if (image.width !== lb.srcWidth || image.height !== lb.srcHeight) return null;
    return this.run(image, t0, lb, scoreThreshold, iouThreshold);
  }

  private async run(
    image: RgbImage,
    t0: number,
    lb: Letterbox,
    scoreThreshold: number,
    iouThreshold: number,
  ): Promise<DetectorOutput> {
    const { input, stride, id } = this.model;
    const { inputWidth: iw, inputHeight: ih } = lb;
    const fits = stride ? iw <= input.width && ih <= input.height : iw === input.width && ih === input.height;
    if (!fits) throw new RangeError(`model ${id}: a ${iw}x${ih} input does not fit its ${input.width}x${input.height}`);
    const buffer = this.buffers.pop() ?? new Float32Array(3 * input.width * input.height);
    let output: Tensor;
    let t1: number;
    try {
      const tensor = buffer.subarray(0, 3 * iw * ih);
      fillTensorResized(image, lb, FORMAT[this.model.family], tensor);
      t1 = performance.now();
      output = await runSingle(this.session, new Tensor('float32', tensor, [1, 3, ih, iw]));
    } finally {
      this.buffers.push(buffer);
    }
    const t2 = performance.now();
    try {
      const candidates = nms(this.decode(output, lb, scoreThreshold), iouThreshold);
      return { candidates, preprocess_ms: t1 - t0, inference_ms: t2 - t1, postprocess_ms: performance.now() - t2 };
    } finally {
      output.dispose();
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private decode(output: Tensor, lb: Letterbox, scoreThreshold: number): Candidate[] {
    const data = output.data as Float32Array;
    const { classes, id } = this.model;
    const dims = output.dims;
    if (this.model.family === 'yolox') {
      if (dims.length !== 3 || dims[2] !== 5 + classes) {
        throw new Error(`model ${id}: output ${JSON.stringify(dims)} does not fit ${classes} labels`);
      }
      return decodeYolox(data, lb.inputWidth, lb.inputHeight, classes, scoreThreshold);
    }
    const [, rows, anchors] = dims;
    if (dims.length !== 3 || rows !== 4 + classes || anchors === undefined) {
      throw new Error(`model ${id}: output ${JSON.stringify(dims)} does not fit ${classes} labels`);
    }
    return decodeUltralytics(data, classes, anchors, scoreThreshold);
  }
}
