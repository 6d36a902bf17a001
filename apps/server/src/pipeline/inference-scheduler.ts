import { SchedulerSaturatedError, WorkCancelledError } from './pipeline.errors';

export type Priority = 'live' | 'camera' | 'job';

export interface SchedulerOptions {
  /** Pipeline runs in flight at once, all callers together. */
  concurrency: number;
  /** Live runs allowed to wait for a slot; one more is refused at once. */
  liveQueue: number;
}

interface Waiter {
  start: () => void;
}

interface CameraWaiter extends Waiter {
  key: string;
  cancel: () => void;
}

/** The jobs' place in the cameras' line: when it comes up, the next waiting job frame starts. */
const JOBS_TURN = Symbol('jobs');
type Turn = CameraWaiter | typeof JOBS_TURN;

/**
 * The one gate every pipeline run passes. Live work either starts, waits in a short bounded
 * queue, or is refused at once (the stream drops the frame); job work waits as long as it takes
 * and yields to live work. With more than one slot, jobs never hold the last free one, so a
 * live frame finds a slot without waiting for a job frame to finish.
 *
 * Camera work sits between the two: like jobs it never takes the last free slot, like live
 * frames it never piles up. Each camera (its `key`) has at most one run going and one waiting;
 * a newer frame takes the waiting one's place in line (the older is cancelled with
 * WorkCancelledError), so cameras are served in turn with their newest frames, before jobs. Before, but not
 * forever: the first camera frame that starts ahead of a waiting job puts the jobs' turn at the end of the line,
 * so jobs get one frame per round of the cameras and a job always finishes, however many cameras saturate the
 * machine.
 */
export class InferenceScheduler {
  private running = 0;
  private runningJobs = 0;
  private readonly runningCameras = new Set<string>();
  /** Waiting camera frames in turn order, with at most one JOBS_TURN among them. */
  private readonly line: Turn[] = [];
  private readonly live: Waiter[] = [];
  private readonly jobs: Waiter[] = [];

  constructor(private readonly options: SchedulerOptions) {
    if (options.concurrency < 1) throw new RangeError('concurrency must be at least 1');
  }

  get stats(): { running: number; runningJobs: number; liveWaiting: number; jobsWaiting: number } {
    return {
      running: this.running,
      runningJobs: this.runningJobs,
      liveWaiting: this.live.length,
      jobsWaiting: this.jobs.length,
    };
  }

  /**
   * Runs `work` when a slot is free; saturated live work is rejected with SchedulerSaturatedError without waiting.
   * Live work whose `signal` aborts (its client went away) leaves the queue at once and never runs: a crowd of
   * clients that connect, send one frame and leave must not hold the live queue against the next client.
   */
  run<T>(priority: Priority, work: () => Promise<T>, signal?: AbortSignal, key = ''): Promise<T> {
    if (signal?.aborted) return Promise.reject(new WorkCancelledError());
    if (priority === 'camera') return this.runCamera(key, work);
    if (priority === 'live') {
      if (this.running < this.options.concurrency) {
        this.reserve('live');
        return this.execute('live', work);
      }
      if (this.live.length >= this.options.liveQueue) return Promise.reject(new SchedulerSaturatedError());
      return new Promise<void>((start, reject) => {
        const waiter: Waiter = { start };
        if (signal) {
          const cancel = (): void => {
            const at = this.live.indexOf(waiter);
            if (at < 0) return;
            this.live.splice(at, 1);
            reject(new WorkCancelledError());
            // Jobs wait while live work is queued: the queue may just have emptied.
            this.next();
          };
          signal.addEventListener('abort', cancel, { once: true });
          waiter.start = () => {
            signal.removeEventListener('abort', cancel);
            start();
          };
        }
        this.live.push(waiter);
      }).then(() => this.execute('live', work));
    }
    if (this.jobMayStart()) {
      this.reserve('job');
      return this.execute('job', work);
    }
    return new Promise<void>((start) => this.jobs.push({ start })).then(() => this.execute('job', work));
  }

  /** Camera runs going and waiting, for tests and benchmarks. */
  get cameraStats(): { running: number; waiting: number } {
    return { running: this.runningCameras.size, waiting: this.line.filter((t) => t !== JOBS_TURN).length };
  }

  private runCamera<T>(key: string, work: () => Promise<T>): Promise<T> {
    if (this.cameraMayStart(key)) {
      this.passOverJobs();
      this.reserve('camera', key);
      return this.execute('camera', work, key);
    }
    return new Promise<void>((start, reject) => {
      const waiter: CameraWaiter = { key, start, cancel: () => reject(new WorkCancelledError()) };
      const at = this.line.findIndex((t) => t !== JOBS_TURN && t.key === key);
      if (at < 0) {
        this.line.push(waiter);
        return;
      }
      // The newest frame keeps the older one's place in line: cameras are served in turn.
      (this.line.splice(at, 1, waiter)[0] as CameraWaiter).cancel();
    }).then(() => this.execute('camera', work, key));
  }

  private get jobSlots(): number {
    return Math.max(1, this.options.concurrency - 1);
  }

  /** Jobs and cameras together never hold the last free slot. */
  private get backgroundMayStart(): boolean {
    return (
      this.running < this.options.concurrency &&
      this.runningJobs + this.runningCameras.size < this.jobSlots &&
      this.live.length === 0
    );
  }

  private cameraMayStart(key: string): boolean {
    return this.backgroundMayStart && !this.runningCameras.has(key);
  }

  private jobMayStart(): boolean {
    return this.backgroundMayStart && !this.line.some((t) => t !== JOBS_TURN && !this.runningCameras.has(t.key));
  }

  /** A camera frame starts while a job waits: the jobs get their turn after the cameras waiting now. */
  private passOverJobs(): void {
    if (this.jobs.length > 0 && !this.line.includes(JOBS_TURN)) this.line.push(JOBS_TURN);
  }

  private reserve(priority: Priority, key = ''): void {
    this.running++;
    if (priority === 'job') this.runningJobs++;
    if (priority === 'camera') this.runningCameras.add(key);
  }

  /** Runs work whose slot is already reserved, and frees the slot after. */
  private async execute<T>(priority: Priority, work: () => Promise<T>, key = ''): Promise<T> {
    try {
      return await work();
    } finally {
      this.running--;
      if (priority === 'job') this.runningJobs--;
      if (priority === 'camera') this.runningCameras.delete(key);
      this.next();
    }
  }

  /** Hands freed slots to waiting live work first, then to jobs. Slots are counted as taken at hand-over. */
  private next(): void {
    while (this.running < this.options.concurrency && this.live.length > 0) {
      this.handOver(this.live.shift()!, 'live');
    }
    for (let i = 0; i < this.line.length && this.backgroundMayStart;) {
      const turn = this.line[i]!;
      if (turn === JOBS_TURN) {
        this.line.splice(i, 1);
        const job = this.jobs.shift();
        if (job) this.handOver(job, 'job');
        continue;
      }
      if (this.runningCameras.has(turn.key)) {
        i++;
        continue;
      }
      this.line.splice(i, 1);
      this.passOverJobs();
      this.handOver(turn, 'camera', turn.key);
    }
    while (this.jobs.length > 0 && this.jobMayStart()) {
      this.handOver(this.jobs.shift()!, 'job');
    }
  }

  private handOver(waiter: Waiter, priority: Priority, key = ''): void {
    // Reserve the slot now: the waiter's continuation runs on a later microtask, and a live
    // frame arriving in between must not see the slot as free.
    this.reserve(priority, key);
    waiter.start();
  }
}
