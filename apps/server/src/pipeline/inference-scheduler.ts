import { SchedulerSaturatedError } from './pipeline.errors';

export type Priority = 'live' | 'job';

export interface SchedulerOptions {
  /** Pipeline runs in flight at once, all callers together. */
  concurrency: number;
  /** Live runs allowed to wait for a slot; one more is refused at once. */
  liveQueue: number;
}

interface Waiter {
  start: () => void;
}

/**
 * The one gate every pipeline run passes. Live work either starts, waits in a short bounded
 * queue, or is refused at once (the stream drops the frame); job work waits as long as it takes
 * and yields to live work. With more than one slot, jobs never hold the last free one, so a
 * live frame finds a slot without waiting for a job frame to finish.
 */
export class InferenceScheduler {
  private running = 0;
  private runningJobs = 0;
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

  /** Runs `work` when a slot is free; saturated live work is rejected with SchedulerSaturatedError without waiting. */
  run<T>(priority: Priority, work: () => Promise<T>): Promise<T> {
    if (priority === 'live') {
      if (this.running < this.options.concurrency) {
        this.reserve('live');
        return this.execute('live', work);
      }
      if (this.live.length >= this.options.liveQueue) return Promise.reject(new SchedulerSaturatedError());
      return new Promise<void>((start) => this.live.push({ start })).then(() => this.execute('live', work));
    }
    if (this.jobMayStart()) {
      this.reserve('job');
      return this.execute('job', work);
    }
    return new Promise<void>((start) => this.jobs.push({ start })).then(() => this.execute('job', work));
  }

  private get jobSlots(): number {
    return Math.max(1, this.options.concurrency - 1);
  }

  private jobMayStart(): boolean {
    return this.running < this.options.concurrency && this.runningJobs < this.jobSlots && this.live.length === 0;
  }

  private reserve(priority: Priority): void {
    this.running++;
    if (priority === 'job') this.runningJobs++;
  }

  /** Runs work whose slot is already reserved, and frees the slot after. */
  private async execute<T>(priority: Priority, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      this.running--;
      if (priority === 'job') this.runningJobs--;
      this.next();
    }
  }

  /** Hands freed slots to waiting live work first, then to jobs. Slots are counted as taken at hand-over. */
  private next(): void {
    while (this.running < this.options.concurrency && this.live.length > 0) {
      this.handOver(this.live.shift()!, 'live');
    }
    while (this.jobs.length > 0 && this.jobMayStart()) {
      this.handOver(this.jobs.shift()!, 'job');
    }
  }

  private handOver(waiter: Waiter, priority: Priority): void {
    // Reserve the slot now: the waiter's continuation runs on a later microtask, and a live
    // frame arriving in between must not see the slot as free.
    this.reserve(priority);
    waiter.start();
  }
}
