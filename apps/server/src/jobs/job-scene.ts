import { type SceneGeometry } from '@forgesyte/contracts';
import { type SceneState } from '@forgesyte/vision';
import type { PipelineService, RunOptions } from '../pipeline/pipeline.service';
import type { Scene } from '../pipeline/scene';
import type { JobEntity } from './job.entity';
import type { SceneCheckpoint } from './jobs.repository';

/** What `scene_state` holds: the scene after every frame up to `frame` had been stored. */
interface StoredScene {
  frame: number;
  state: SceneState;
}

/**
 * A tracking job's scene and its checkpoints. The tracker's state is snapshotted right after each frame is tracked;
 * a checkpoint is the snapshot of the last frame of the stored prefix (every frame up to it stored), written with
 * the heartbeat. A worker that takes the job over restores it and re-runs every frame after it, so the track ids
 * and counts are those of an uninterrupted run.
 */
export class JobScene {
  /** Frames up to this index are in the restored state; later ones are tracked again. */
  readonly resumeAfter: number;
  private readonly snapshots = new Map<number, SceneState>();
  private written: number;

  private constructor(
    readonly scene: Scene,
    restored: StoredScene | null,
  ) {
    this.resumeAfter = restored?.frame ?? -1;
    this.written = this.resumeAfter;
  }

  /** The job's scene, continued from its checkpoint; null when the job's pipeline does not track. */
  static open(job: JobEntity, pipeline: Pick<PipelineService, 'createScene'>): JobScene | null {
    const geometry: SceneGeometry = job.sceneGeometry
      ? (JSON.parse(job.sceneGeometry) as SceneGeometry)
      : { lines: [], zones: [] };
    const restored = job.sceneState ? (JSON.parse(job.sceneState) as StoredScene) : null;
    const scene = pipeline.createScene(job.pipelineId, geometry, restored?.state);
    return scene ? new JobScene(scene, restored) : null;
  }

  runOptions(frameIndex: number, timestampMs: number): Partial<RunOptions> {
    return {
      scene: this.scene,
      timestampMs,
      onTracked: () => this.snapshots.set(frameIndex, this.scene.snapshot()),
    };
  }

  /** The checkpoint to write now, given the stored frames; undefined when it has not moved. */
  checkpoint(stored: ReadonlySet<number>): SceneCheckpoint | undefined {
    let frame = this.written;
    while (stored.has(frame + 1) && this.snapshots.has(frame + 1)) frame++;
    if (frame === this.written) return undefined;
    const state = this.snapshots.get(frame)!;
    for (const k of this.snapshots.keys()) if (k <= frame) this.snapshots.delete(k);
    this.written = frame;
    return {
      state: JSON.stringify({ frame, state } satisfies StoredScene),
      lines: this.scene.tracker.lines.length > 0 ? JSON.stringify(state.lines) : null,
    };
  }

  /** The counts after the last frame, for the finished job. */
  finalLines(): string | null {
    return this.scene.tracker.lines.length > 0 ? JSON.stringify(this.scene.tracker.lineCounts()) : null;
  }
}
