import { type InferenceSession } from 'onnxruntime-node';
import { type Letterbox } from '../letterbox';
import { type RgbImage } from '../ocr/image';
import { WorkerClient } from '../worker/worker-client';
import { type DetectorModel, type DetectorOutput } from './detector-engine';
import { type DetectorAnswer, type DetectorRequest } from './detector-worker-protocol';

/**
 * Object detection on a fixed set of worker threads, each holding a session of every loaded model. A frame goes to
 * the worker with the fewest frames in hand, so with one worker per core two frames run at once instead of one
 * after the other on the event loop. Measured on these 2-core machines with YOLOX-nano: two workers with one ORT
 * thread each run 160-195 frames/s together, one worker with two ORT threads 90-160 (ORT's second thread helps a
 * small model little, and two spinning pools on two cores fight).
 */
export class DetectorPool {
  private constructor(
    private readonly workers: WorkerClient<DetectorRequest, DetectorAnswer>[],
    private readonly threads: number[],
  ) {}

  /** One worker per entry of `threads`, whose sessions use that many ORT intra-op threads. */
  static async start(threads: number[]): Promise<DetectorPool> {
    if (threads.length < 1 || !threads.every((t) => Number.isInteger(t) && t >= 1)) {
      throw new RangeError(`a pool needs at least one worker with at least one thread, got [${threads.join(', ')}]`);
    }
    const started = await Promise.allSettled(
      threads.map((_, i) =>
        WorkerClient.start<DetectorRequest, DetectorAnswer>(
          __dirname,
          'detector-worker',
          null,
          `detector worker ${i + 1}`,
        ),
      ),
    );
    const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(workers.map((w) => w.close()));
      throw failed.reason;
    }
    return new DetectorPool(workers, threads);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Why a worker can no longer run frames, or null while all can. */
  get problem(): string | null {
    return this.workers.find((w) => w.problem)?.problem ?? null;
  }

  /** Loads and warms up `model` in every worker, one after the other (in parallel they would only fight over the cores). */
  async load(model: DetectorModel, sessionOptions: InferenceSession.SessionOptions): Promise<void> {
    for (const [i, worker] of this.workers.entries()) {
      await worker.call({
        type: 'load',
        model,
        sessionOptions: { ...sessionOptions, intraOpNumThreads: this.threads[i] },
      });
    }
  }

  /**
   * Runs one frame. The image is copied (a fraction of a millisecond at model size) and the copy handed over, so the
   * caller may reuse its buffer at once.
   */
  async detect(
    model: string,
    image: RgbImage,
    lb: Letterbox,
    scoreThreshold: number,
    iouThreshold: number,
  ): Promise<DetectorOutput> {
    const worker = this.pick();
    const data = new Uint8Array(image.data.subarray(0, image.width * image.height * 3));
    const copy = { data, width: image.width, height: image.height };
    const output = await worker.call({ type: 'detect', model, image: copy, lb, scoreThreshold, iouThreshold }, [
      data.buffer,
    ]);
    if (!output) throw new Error('detector worker returned no result');
    return output;
  }

  /** Waits for frames in flight, releases every session, and ends the threads. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close({ type: 'release' })));
  }

  private pick(): WorkerClient<DetectorRequest, DetectorAnswer> {
    let best: WorkerClient<DetectorRequest, DetectorAnswer> | null = null;
    for (const w of this.workers) {
      if (w.problem) continue;
      if (!best || w.load < best.load) best = w;
    }
    if (!best) throw new Error(`no detector worker is left: ${this.problem}`);
    return best;
  }
}
