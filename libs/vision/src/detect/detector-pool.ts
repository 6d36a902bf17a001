import { type InferenceSession } from 'onnxruntime-node';
import { type Letterbox } from '../letterbox';
import { type RgbImage } from '../ocr/image';
import { WorkerClient } from '../worker/worker-client';
import { type DetectorModel, type DetectorOutput } from './detector-engine';
import { type DetectorAnswer, type DetectorRequest, type SessionKind } from './detector-worker-protocol';
import { withSpinning } from '../onnx-run';

/** How many worker threads, and how many ORT intra-op threads they share. */
export interface PoolLayout {
  workers: number;
  threads: number;
}

/** How a frame is run: `alone`, no other frame is being processed now; `spin`, and its sessions may spin-wait. */
export interface FrameRun {
  alone?: boolean;
  spin?: boolean;
}

/** What a model is loaded with: the sessions' options, and whether spinning twins are loaded too. */
interface LoadOptions {
  sessionOptions: InferenceSession.SessionOptions;
  spinTwins: boolean;
}

/**
 * Object detection on a fixed set of worker threads, each holding a session of every loaded model, so frames run
 * beside each other instead of one after the other on the event loop.
 *
 * Threads: each worker's session gets its share of `threads` (at least one). When there are more threads than
 * that share, the first worker also holds a "wide" session on all of them, used for a frame the caller says is
 * alone: one stream alone gets every core, several streams get one-thread sessions side by side. With `spinTwins`,
 * each session of more than one thread also gets a twin whose idle threads spin-wait, used for a lone frame the
 * caller says may spin (a quiet host): ORT then does not wake its threads for every operator.
 * Measured on these 2-core machines with YOLOX-nano: alone, 7.8 ms a run on two threads and 11.7 on one;
 * saturated, two one-thread workers 160-170 runs/s together, one two-thread worker 90-135 (ORT's second thread
 * helps a small model little, and spinning thread pools fight over two cores).
 */
type Detector = WorkerClient<DetectorRequest, DetectorAnswer>;

export class DetectorPool {
  /** What every worker has loaded, in order: a replacement worker loads the same. */
  private readonly loaded: ({ model: DetectorModel } & LoadOptions)[] = [];
  private closed = false;
  private replacing: Promise<void>[] = [];
  /** Worker threads started to replace ones that died. */
  replacements = 0;

  private constructor(
    /** Never empty: `start` starts at least one. */
    private readonly workers: [Detector, ...Detector[]],
    private readonly layout: PoolLayout,
  ) {
    workers.forEach((w, i) => this.watch(w, i));
  }

  /**
   * A worker thread that dies (a crash in native code, an out-of-memory) has already failed the frames it held;
   * a new thread takes its place and loads the same models, so the pool is whole again.
   */
  private watch(worker: WorkerClient<DetectorRequest, DetectorAnswer>, slot: number): void {
    worker.whenDead(() => {
      if (this.closed) return;
      const replaced = this.replace(slot).catch(() => undefined /* the slot stays dead: `problem` says why */);
      this.replacing.push(replaced);
      void replaced.finally(() => (this.replacing = this.replacing.filter((r) => r !== replaced)));
    });
  }

  private async replace(slot: number): Promise<void> {
    const worker = await WorkerClient.start<DetectorRequest, DetectorAnswer>(
      __dirname,
      'detector-worker',
      null,
      `detector worker ${slot + 1}`,
    );
    try {
      for (const { model, ...options } of this.loaded) await this.loadInto(worker, slot, model, options);
    } catch (error) {
      await worker.close();
      throw error;
    }
    if (this.closed) {
      await worker.close({ type: 'release' });
      return;
    }
    this.workers[slot] = worker;
    this.replacements++;
    this.watch(worker, slot);
  }

  /** Resolves when every replacement under way has finished (for tests and shutdown). */
  async settled(): Promise<void> {
    while (this.replacing.length > 0) await Promise.all(this.replacing);
  }

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
    const [first, ...rest] = workers;
    if (failed || first === undefined) {
      await Promise.all(workers.map((w) => w.close()));
      throw failed?.reason;
    }
    return new DetectorPool([first, ...rest], layout);
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

  /**
   * Loads and warms up `model` in every worker, one after the other (in parallel they would only fight over the
   * cores). `spinTwins`: also a spinning twin of each session of more than one thread (see the class comment).
   */
  async load(
    model: DetectorModel,
    sessionOptions: InferenceSession.SessionOptions,
    { spinTwins = false }: { spinTwins?: boolean } = {},
  ): Promise<void> {
    const options = { sessionOptions, spinTwins };
    this.loaded.push({ model, ...options });
    for (const [i, worker] of this.workers.entries()) await this.loadInto(worker, i, model, options);
  }

  private async loadInto(
    worker: WorkerClient<DetectorRequest, DetectorAnswer>,
    slot: number,
    model: DetectorModel,
    { sessionOptions, spinTwins }: LoadOptions,
  ): Promise<void> {
    const widths = slot === 0 && this.hasWide ? [false, true] : [false];
    const sessions = widths.flatMap((wide) => {
      const options = { ...sessionOptions, intraOpNumThreads: wide ? this.layout.threads : this.share };
      const still = { options, wide, spin: false };
      const twin = spinTwins && options.intraOpNumThreads > 1;
      return twin ? [still, { options: withSpinning(options, true), wide, spin: true }] : [still];
    });
    await worker.call({ type: 'load', model, sessions });
  }

  /**
   * Runs one frame. `alone` says no other frame is being processed (decoded or detected) now, so the wide session
   * may have every core; the pool cannot tell by itself, because another frame may be decoding. `spin` (with `alone`)
   * picks the spinning twin when loaded. The image is copied (a fraction of a millisecond at model size) and the
   * copy handed over, so the caller may reuse its buffer at once.
   */
  async detect(
    model: string,
    image: RgbImage,
    lb: Letterbox,
    scoreThreshold: number,
    iouThreshold: number,
    run: FrameRun = {},
  ): Promise<DetectorOutput> {
    const kind = this.kindFor(run);
    const data = new Uint8Array(image.data.subarray(0, image.width * image.height * 3));
    const copy = { data, width: image.width, height: image.height };
    const output = await this.worker(kind.wide).call(
      { type: 'detect', model, image: copy, lb, scoreThreshold, iouThreshold, ...kind },
      [data.buffer],
    );
    if (!output) throw new Error('detector worker returned no result');
    return output;
  }

  /**
   * Runs one frame given as the bytes of an upright JPEG of `lb.srcWidth` x `lb.srcHeight` that TurboJPEG takes
   * (see `turboJpegTakes`): the worker decodes it straight into the model input, so the bytes cross threads once
   * (copied into a buffer of their own and transferred) instead of the decoded pixels, and the event loop never
   * decodes. Resolves null when the bytes do not decode there: the caller decodes them another way, or reports them.
   */
  async detectJpeg(
    model: string,
    jpeg: Uint8Array,
    lb: Letterbox,
    scoreThreshold: number,
    iouThreshold: number,
    run: FrameRun = {},
  ): Promise<DetectorOutput | null> {
    const kind = this.kindFor(run);
    const own = new Uint8Array(jpeg);
    const output = await this.worker(kind.wide).call(
      { type: 'detect-jpeg', model, jpeg: own, lb, scoreThreshold, iouThreshold, ...kind },
      [own.buffer],
    );
    return output ?? null;
  }

  private kindFor({ alone = false, spin = false }: FrameRun): SessionKind {
    const wide = alone && this.hasWide && this.workers.every((w) => w.load === 0) && !this.workers[0].problem;
    return { wide, spin: alone && spin };
  }

  private worker(wide: boolean): Detector {
    return wide ? this.workers[0] : this.pick();
  }

  /** Waits for frames in flight, releases every session, and ends the threads. */
  async close(): Promise<void> {
    this.closed = true;
    await this.settled();
    await Promise.all(this.workers.map((w) => w.close({ type: 'release' })));
  }

  /** Ends worker `slot`'s thread as a crash would (fault injection: tests and operators' drills). */
  killWorker(slot: number): Promise<void> {
    const worker = this.workers[slot];
    if (!worker) throw new RangeError(`the pool has no worker ${slot}`);
    return worker.kill();
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
