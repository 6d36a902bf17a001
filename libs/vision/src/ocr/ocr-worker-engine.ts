import { Worker } from 'node:worker_threads';
import { extname, join } from 'node:path';
import { type InferenceSession } from 'onnxruntime-node';
import { type RgbImage, validateImage } from './image';
import { type OcrOptions, type OcrResult } from './ocr-engine';
import { type WorkerInit, type WorkerReply, type WorkerRequest } from './ocr-worker-protocol';

type Pending = { resolve: (reply: WorkerReply & { ok: true }) => void; reject: (e: Error) => void };

/**
 * `OcrEngine` on its own worker thread, with the same methods. onnxruntime-node runs inference synchronously, so an
 * in-process OCR call stalls every socket and timer of the server for the whole detection and recognition (measured
 * 250 ms for one 640 x 480 detection on these machines); here only the worker waits. The image is copied to the
 * worker (under a millisecond for a 640 x 480 frame), so callers may reuse their buffer at once.
 */
export class OcrWorkerEngine {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private dead: Error | null = null;

  private constructor(private readonly worker: Worker) {}

  static load(
    detPath: string,
    recPath: string,
    dictPath: string,
    sessionOptions?: InferenceSession.SessionOptions,
    options: Partial<OcrOptions> = {},
  ): Promise<OcrWorkerEngine> {
    const init: WorkerInit = { detPath, recPath, dictPath, sessionOptions, options };
    // Compiled builds ship ocr-worker.js; from TypeScript sources (tests, ts-node) the worker compiles itself.
    const fromSource = extname(__filename) === '.ts';
    const worker = new Worker(join(__dirname, `ocr-worker${fromSource ? '.ts' : '.js'}`), {
      workerData: init,
      execArgv: fromSource ? ['--require', 'ts-node/register/transpile-only'] : [],
    });
    const engine = new OcrWorkerEngine(worker);
    return new Promise<OcrWorkerEngine>((resolve, reject) => {
      engine.pending.set(0, { resolve: () => resolve(engine), reject });
      worker.on('message', (reply: WorkerReply) => engine.settle(reply));
      worker.on('error', (e) => engine.fail(e));
      worker.on('exit', (code) => engine.fail(new Error(`OCR worker exited with code ${code}`)));
    });
  }

  /** Why the worker can no longer recognize anything (it exited or crashed), or null while it can. */
  get problem(): string | null {
    return this.dead?.message ?? null;
  }

  async warmup(): Promise<void> {
    await this.call({ type: 'warmup' });
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
    const reply = await this.call({ type: 'recognize', image: copy }, [copy.data.buffer]);
    if (!reply.result) throw new Error('OCR worker returned no result');
    const { texts, inference_ms } = reply.result;
    // Hand-over and queueing count as overhead, so the two figures still add up to the time the caller waited.
    return { texts, inference_ms, postprocess_ms: Math.max(0, performance.now() - started - inference_ms) };
  }

  async release(): Promise<void> {
    if (this.dead) return;
    await this.call({ type: 'release' });
    this.dead = new Error('OCR worker released');
    await this.worker.terminate();
  }

  private call(
    req: { type: 'warmup' } | { type: 'release' } | { type: 'recognize'; image: RgbImage },
    transfer: ArrayBuffer[] = [],
  ): Promise<WorkerReply & { ok: true }> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const message: WorkerRequest = { ...req, id };
      this.worker.postMessage(message, transfer);
    });
  }

  private settle(reply: WorkerReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (reply.ok) {
      p.resolve(reply);
    } else {
      const e = reply.name === 'RangeError' ? new RangeError(reply.message) : new Error(reply.message);
      p.reject(e);
      if (reply.id === 0) void this.worker.terminate();
    }
  }

  private fail(e: Error): void {
    if (!this.dead) this.dead = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
