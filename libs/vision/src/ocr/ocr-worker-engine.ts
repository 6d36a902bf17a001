import { type InferenceSession } from 'onnxruntime-node';
import { WorkerClient } from '../worker/worker-client';
import { type RgbImage, validateImage } from './image';
import { type OcrResult } from './ocr-engine';
import { type OcrOptions } from './ocr-options';
import { type OcrAnswer, type OcrRequest, type OcrWorkerInit } from './ocr-worker-protocol';

/**
 * `OcrEngine` on its own worker thread, with the same methods. onnxruntime-node runs inference synchronously, so an
 * in-process OCR call stalls every socket and timer of the server for the whole detection and recognition (measured
 * 250 ms for one 640 x 480 detection on these machines); here only the worker waits. The image is copied to the
 * worker (under a millisecond for a 640 x 480 frame), so callers may reuse their buffer at once.
 */
export class OcrWorkerEngine {
  private closed = false;
  private replacing: Promise<void> | null = null;
  /** Worker threads started to replace ones that died. */
  replacements = 0;

  private constructor(
    private client: WorkerClient<OcrRequest, OcrAnswer>,
    private readonly init: OcrWorkerInit,
  ) {
    this.watch();
  }

  /** A dead thread has failed the frames it held; a new one with the same models takes its place. */
  private watch(): void {
    this.client.whenDead(() => {
      if (this.closed) return;
      this.replacing = this.replace()
        .catch(() => undefined /* stays dead: `problem` says why */)
        .finally(() => (this.replacing = null));
    });
  }

  private async replace(): Promise<void> {
    const client = await WorkerClient.start<OcrRequest, OcrAnswer>(__dirname, 'ocr-worker', this.init, 'OCR worker');
    if (this.closed) {
      await client.close({ type: 'release' });
      return;
    }
    this.client = client;
    this.replacements++;
    this.watch();
  }

  /** Resolves when a replacement under way has finished. */
  async settled(): Promise<void> {
    await this.replacing;
  }

  /** Ends the thread as a crash would (fault injection). */
  kill(): Promise<void> {
    return this.client.kill();
  }

  static async load(
    detPath: string,
    recPath: string,
    dictPath: string,
    sessionOptions?: InferenceSession.SessionOptions,
    options: Partial<OcrOptions> = {},
  ): Promise<OcrWorkerEngine> {
    const init: OcrWorkerInit = { detPath, recPath, dictPath, sessionOptions, options };
    return new OcrWorkerEngine(await WorkerClient.start(__dirname, 'ocr-worker', init, 'OCR worker'), init);
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
    this.closed = true;
    await this.replacing;
    await this.client.close({ type: 'release' });
  }
}
