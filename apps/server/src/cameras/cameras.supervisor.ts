import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../common/clock';
import { newLeaseOwner } from '../common/lease-owner';
import { errorMessage } from '../common/error-message';
import { InjectConfig, type AppConfig } from '../config/config';
import { PipelineService } from '../pipeline/pipeline.service';
import { CameraBus } from './camera-bus';
import { CameraRunner } from './camera-runner';
import { CameraSourceProvider } from './camera-source';
import { CameraUrlPolicy } from './camera-url';
import { CamerasMetrics } from './cameras.metrics';
import { CamerasRepository } from './cameras.repository';

/** How long a stopping process waits for the database to take its cameras back. */
const SHUTDOWN_DB_MS = 5000;

/**
 * This process's share of the cameras. Every tick it renews its holder row and the leases of the
 * cameras it runs (writing their status and counters), hands one back when it holds more than its
 * share, and claims free ones up to its share: enabled cameras / live holders, rounded up, at most
 * CAMERAS_MAX_PER_PROCESS. A camera whose lease it lost (deleted, disabled, edited, taken over) is
 * stopped at once.
 */
@Injectable()
export class CamerasSupervisor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Cameras');
  readonly owner = newLeaseOwner();
  private readonly runners = new Map<string, CameraRunner>();
  private readonly leaseMs: number;
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private loop: Promise<void> = Promise.resolve();
  private rerun = false;

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly repository: CamerasRepository,
    private readonly pipeline: PipelineService,
    private readonly sources: CameraSourceProvider,
    private readonly bus: CameraBus,
    private readonly metrics: CamerasMetrics,
    private readonly policy: CameraUrlPolicy,
    private readonly clock: Clock,
  ) {
    this.leaseMs = config.CAMERAS_LEASE_S * 1000;
  }

  onApplicationBootstrap(): void {
    if (!this.config.CAMERAS_ENABLED || this.config.CAMERAS_MAX_PER_PROCESS === 0) return;
    this.bus.onChange(() => this.wake());
    this.loop = this.run();
  }

  /** Look again now (a camera was added, edited or deleted). */
  wake(): void {
    this.rerun = true;
    this.wakeUp?.();
  }

  /** The runner of a camera this process holds, for tests and the snapshot of local state. */
  runner(id: string): CameraRunner | undefined {
    return this.runners.get(id);
  }

  /** Stops a camera this process holds at once (deleted, disabled or edited here), keeping its counts. */
  async drop(id: string): Promise<void> {
    const runner = this.runners.get(id);
    if (!runner) return;
    this.runners.delete(id);
    await runner.stop();
    await this.saveScene(runner);
  }

  /** A stopped runner's counts, for whoever runs the camera next (see CamerasRepository.saveScene). */
  private async saveScene(runner: CameraRunner): Promise<void> {
    const state = runner.sceneState();
    if (state === null || runner.camera.sceneGeometry === null) return;
    try {
      await this.repository.saveScene(runner.id, this.owner, runner.camera.sceneGeometry, state);
    } catch (error) {
      // The last heartbeat's state stays: at most one heartbeat of counts is lost.
      this.logger.warn({ event: 'camera_scene_save_failed', camera_id: runner.id, error: errorMessage(error) });
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    const held = [...this.runners.values()];
    this.runners.clear();
    // ffmpeg stops at once; the database gets a bounded wait, so an outage cannot hold up the stop
    // (the leases then simply run out).
    await Promise.all(held.map((r) => r.stop()));
    const handBack = async (): Promise<void> => {
      await this.loop;
      // A claim that was under way when the stop began.
      const late = [...this.runners.values()];
      this.runners.clear();
      await Promise.all(late.map((r) => r.stop()));
      held.push(...late);
      for (const r of held) {
        await this.saveScene(r);
        await this.repository.release(r.id, this.owner);
      }
      await this.repository.dropHolder(this.owner);
      if (held.length > 0) this.bus.announceChange();
      this.logger.log({ event: 'cameras_released', owner: this.owner, cameras: held.length });
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the database did not answer within 5 s')), SHUTDOWN_DB_MS);
    });
    try {
      await Promise.race([handBack(), timeout]);
    } catch (error) {
      this.logger.warn({ event: 'cameras_release_failed', error: errorMessage(error) });
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(): Promise<void> {
    const ready = await Promise.race([
      Promise.all([this.repository.ready(), this.pipeline.whenLoaded()]).then(() => true),
      new Promise<false>((resolve) => (this.wakeUp = () => this.stopped && resolve(false))),
    ]).catch(() => false);
    if (!ready) return;
    this.logger.log({ event: 'cameras_supervisor_started', owner: this.owner });
    while (!this.stopped) {
      this.rerun = false;
      try {
        await this.tick();
      } catch (error) {
        this.logger.warn({ event: 'cameras_tick_failed', error: errorMessage(error) });
      }
      if (this.rerun || this.stopped) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(250, this.leaseMs / 3));
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async tick(): Promise<void> {
    const now = this.clock.now();
    const holders = await this.repository.beatHolder(this.owner, now, this.leaseMs);
    for (const runner of [...this.runners.values()]) {
      if (this.stopped) return;
      const ours = await this.repository.heartbeat(runner.id, this.owner, runner.progress(), now, this.leaseMs);
      if (!ours) {
        this.logger.log({ event: 'camera_released', camera_id: runner.id, owner: this.owner, reason: 'lease_lost' });
        await this.drop(runner.id);
      }
    }
    const enabled = await this.repository.countEnabled();
    const share = Math.min(this.config.CAMERAS_MAX_PER_PROCESS, Math.ceil(enabled / holders));
    if (this.runners.size > share) {
      // One at a time: the process that joined claims it before the next one goes.
      const newest = [...this.runners.values()].pop()!;
      await this.drop(newest.id);
      await this.repository.release(newest.id, this.owner);
      this.logger.log({ event: 'camera_released', camera_id: newest.id, owner: this.owner, reason: 'rebalance' });
      this.bus.announceChange();
      return;
    }
    while (this.runners.size < share && !this.stopped) {
      const id = await this.repository.claim(this.owner, this.clock.now(), this.leaseMs);
      if (id === null) return;
      const camera = await this.repository.find(id);
      if (!camera) continue;
      this.logger.log({ event: 'camera_claimed', camera_id: id, owner: this.owner });
      this.runners.set(
        id,
        new CameraRunner(camera, {
          sources: this.sources,
          pipeline: this.pipeline,
          bus: this.bus,
          metrics: this.metrics,
          policy: this.policy,
          logger: this.logger,
          backoffMaxMs: this.config.CAMERAS_BACKOFF_MAX_S * 1000,
          stallMs: this.config.CAMERAS_STALL_S * 1000,
          now: () => this.clock.now(),
        }),
      );
    }
  }
}
