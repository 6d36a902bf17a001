import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../common/clock';
import { newLeaseOwner } from '../common/lease-owner';
import { InjectConfig, type AppConfig } from '../config/config';
import { JobProcessor, type StopReason } from './job-processor';
import { JobsRepository } from './jobs.repository';
import { errorMessage } from '../common/error-message';

const IDLE_POLL_MS = 1000;

/**
 * JOBS_CONCURRENCY claim loops in this process. Each claims the oldest available job, processes
 * it under a lease, and polls again; a local submit wakes idle loops at once.
 */
@Injectable()
export class JobsWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  /** Identifies this process in leases and logs. */
  readonly owner = newLeaseOwner();
  private readonly running = new Map<string, AbortController>();
  private readonly loops: Promise<void>[] = [];
  private readonly wakers = new Set<() => void>();
  private stopNow!: () => void;
  /** Resolves when shutdown begins, so loops waiting for the database stop waiting. */
  private readonly stopping = new Promise<void>((resolve) => (this.stopNow = resolve));
  private stopped = false;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly repository: JobsRepository,
    private readonly processor: JobProcessor,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    for (let slot = 0; slot < this.config.JOBS_CONCURRENCY; slot++) this.loops.push(this.loop(slot));
    if (this.loops.length > 0) {
      this.logger.log({ event: 'jobs_worker_started', owner: this.owner, concurrency: this.loops.length });
    }
  }

  /** A job was queued by this process: do not wait for the next poll. */
  wake(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** Whether this process is still working on the job (processing, or cleaning up after a stop). */
  isRunning(jobId: string): boolean {
    return this.running.has(jobId);
  }

  /** Stops a job this process is running (it was cancelled here); other processes notice on their heartbeat. */
  abort(jobId: string, reason: StopReason): void {
    this.running.get(jobId)?.abort(reason);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.stopNow();
    for (const controller of this.running.values()) controller.abort('shutdown');
    this.wake();
    await Promise.all(this.loops);
  }

  private async loop(slot: number): Promise<void> {
    try {
      // The database may never come up (an outage at start-up): shutdown must not wait for it.
      const ready = await Promise.race([this.repository.ready().then(() => true), this.stopping.then(() => false)]);
      if (!ready) return;
    } catch {
      return; // shut down before the database came up
    }
    while (!this.stopped) {
      let jobId: string | null = null;
      try {
        jobId = await this.repository.claim(
          this.owner,
          this.clock.now(),
          this.config.JOBS_LEASE_S * 1000,
          this.config.JOBS_MAX_ATTEMPTS,
        );
      } catch (error) {
        this.logger.warn({ event: 'job_claim_failed', slot, error: errorMessage(error) });
      }
      if (jobId === null) {
        await this.idle();
        continue;
      }
      await this.processClaimed(jobId);
    }
  }

  /** Processes a job this process has just claimed, then hands it back, or cleans up after a stop. */
  private async processClaimed(jobId: string): Promise<void> {
    const stop = new AbortController();
    this.running.set(jobId, stop);
    try {
      const job = await this.repository.find(jobId);
      if (!job) return;
      this.logger.log({ event: 'job_claimed', job_id: jobId, owner: this.owner, attempt: job.attempts });
      const outcome = await this.processor.process(job, this.owner, stop);
      if (outcome === 'shutdown') {
        await this.repository.release(jobId, this.owner);
        this.logger.log({ event: 'job_released', job_id: jobId, owner: this.owner });
      } else if (outcome === 'cancelled' || outcome === 'lost') {
        // Cancelled here or elsewhere: frames written after the cancel must not linger.
        const current = await this.repository.find(jobId);
        if (current?.status === 'cancelled') await this.repository.deleteResults(jobId);
        this.logger.log({
          event: 'job_stopped',
          job_id: jobId,
          owner: this.owner,
          reason: current?.status ?? 'deleted',
        });
      }
    } catch (error) {
      this.logger.error({ event: 'job_worker_error', job_id: jobId, error: errorMessage(error) });
    } finally {
      this.running.delete(jobId);
    }
  }

  private idle(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, IDLE_POLL_MS + Math.floor(Math.random() * 200));
      this.wakers.add(done);
    });
  }
}
