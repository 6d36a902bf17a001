import { type InferenceSession } from 'onnxruntime-node';
import { type Letterbox } from '../letterbox';
import { type RgbImage } from '../ocr/image';
import { WorkerClient } from '../worker/worker-client';
import { type DetectorModel, type DetectorOutput } from './detector-engine';
import { type DetectorAnswer, type DetectorRequest } from './detector-worker-protocol';

/** How many worker threads, and how many ORT intra-op threads they share. */
export interface PoolLayout {
  workers: number;
  threads: number;
}

/**
 * Object detection on a fixed set of worker threads, each holding a session of every loaded model, so frames run
 * beside each other instead of one after the other on the event loop.
 *
 * Threads: each worker's session gets its share of `threads` (at least one). When there are more threads than
 * that share, the first worker also holds a "wide" session on all of them, used for a frame the caller says is
 * alone: one stream alone gets every core, several streams get one-thread sessions side by side.
 * Measured on these 2-core machines with YOLOX-nano: alone, 7.8 ms a run on two threads and 11.7 on one;
 * saturated, two one-thread workers 160-170 runs/s together, one two-thread worker 90-135 (ORT's second thread
 * helps a small model little, and spinning thread pools fight over two cores).
 */
export class DetectorPool {
  private constructor(
    private readonly workers: WorkerClient<DetectorRequest, DetectorAnswer>[],
    private readonly layout: PoolLayout,
  ) {}

  static async start(layout: PoolLayout): Promise<DetectorPool> {
    const { workers: size, threads } = layout;
    if (!Number.isInteger(size) || size < 1 || !Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`a pool needs at least one worker and one thread, got ${size} and ${threads}`);
    }
    const started = await Promise.allSettled(
      Array.from({ length: size }, (_, i) =>
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
    return new DetectorPool(workers, layout);
  }

  /** ORT threads of each worker's session. */
  get share(): number {
    return Math.max(1, Math.floor(this.layout.threads / this.layout.workers));
  }

  /** Whether the first worker holds a wide session for lone frames. */
  get hasWide(): boolean {
    return this.layout.threads > this.share;
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
        sessionOptions: { ...sessionOptions, intraOpNumThreads: this.share },
        wideOptions: i === 0 && this.hasWide ? { ...sessionOptions, intraOpNumThreads: this.layout.threads } : null,
      });
    }
  }

  /**
   * Runs one frame. `alone` says no other frame is being processed (decoded or detected) now, so the wide session
   * may have every core; the pool cannot tell by itself, because another frame may be decoding. The image is copied
   * (a fraction of a millisecond at model size) and the copy handed over, so the caller may reuse its buffer at once.
   */
  async detect(
    model: string,
    image: RgbImage,
    lb: Letterbox,
    scoreThreshold: number,
    iouThreshold: number,
    alone = false,
  ): Promise<DetectorOutput> {
    const wide = alone && this.hasWide && this.workers.every((w) => w.load === 0) && !this.workers[0].problem;
    const worker = wide ? this.workers[0] : this.pick();
    const data = new Uint8Array(image.data.subarray(0, image.width * image.height * 3));
    const copy = { data, width: image.width, height: image.height };
    const output = await worker.call({ type: 'detect', model, image: copy, lb, scoreThreshold, iouThreshold, wide }, [
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
