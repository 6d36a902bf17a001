import { type InferenceSession } from 'onnxruntime-node';
import { WorkerClient } from '../worker/worker-client';
import { type RgbImage, validateImage } from './image';
import { type OcrOptions, type OcrResult } from './ocr-engine';
import { type OcrAnswer, type OcrRequest, type OcrWorkerInit } from './ocr-worker-protocol';

/**
 * `OcrEngine` on its own worker thread, with the same methods. onnxruntime-node runs inference synchronously, so an
 * in-process OCR call stalls every socket and timer of the server for the whole detection and recognition (measured
 * 250 ms for one 640 x 480 detection on these machines); here only the worker waits. The image is copied to the
 * worker (under a millisecond for a 640 x 480 frame), so callers may reuse their buffer at once.
 */
export class OcrWorkerEngine {
  private constructor(private readonly client: WorkerClient<OcrRequest, OcrAnswer>) {}

  static async load(
    detPath: string,
    recPath: string,
    dictPath: string,
    sessionOptions?: InferenceSession.SessionOptions,
    options: Partial<OcrOptions> = {},
  ): Promise<OcrWorkerEngine> {
    const init: OcrWorkerInit = { detPath, recPath, dictPath, sessionOptions, options };
    return new OcrWorkerEngine(await WorkerClient.start(__dirname, 'ocr-worker', init, 'OCR worker'));
  }

  /** Why the worker can no longer recognize anything (it exited or crashed), or null while it can. */
  get problem(): string | null {
    return this.client.problem;
  }

  async warmup(): Promise<void> {
    await this.client.call({ type: 'warmup' });
  }

  async recognize(image: RgbImage): Promise<OcrResult> {
    // Checked here too so a bad frame fails with the same RangeError as in-process, without a round trip.
    validateImage(image);
    const started = performance.now();
    const copy = {
      // A real copy (Buffer#slice is a view): the copy's memory is transferred to the worker.
      data: new Uint8Array(image.data.subarray(0, image.width * image.height * 3)),
      width: image.width,
      height: image.height,
    };
    const result = await this.client.call({ type: 'recognize', image: copy }, [copy.data.buffer]);
    if (!result) throw new Error('OCR worker returned no result');
    const { texts, inference_ms } = result;
    // Hand-over and queueing count as overhead, so the two figures still add up to the time the caller waited.
    return { texts, inference_ms, postprocess_ms: Math.max(0, performance.now() - started - inference_ms) };
  }

  async release(): Promise<void> {
    await this.client.close({ type: 'release' });
  }
}
