import { type SceneTracker, type SceneState } from '@forgesyte/vision';
import { type SceneGeometry } from '@forgesyte/contracts';
import { type SceneTurn } from './nodes';

/**
 * The tracking state of one live session, camera or job, with the order its frames are tracked in. Frames may run
 * through the pipeline's other nodes at once (a job keeps two in flight); each takes its turn at the tracker when it
 * is submitted, and the track node waits for the turns before it, so the tracker always sees frames in order.
 */
export class Scene {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly pipelineId: string,
    readonly tracker: SceneTracker,
  ) {}

  /**
   * Takes the next turn, for a frame at `timeS` seconds; `release` must be called once the frame has run or failed.
   * `onTracked` runs right after the tracker has taken this frame, before any later frame: where a job snapshots.
   */
  turn(timeS: number, onTracked?: () => void): { turn: SceneTurn; release: () => void } {
    const ready = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    return { turn: { tracker: this.tracker, timeS, ready, tracked: () => onTracked?.() }, release };
  }

  /** Ends the tracks once the frames already submitted have been tracked (see SceneTracker.endTracks). */
  endTracks(): void {
    const ready = this.tail;
    this.tail = ready.then(() => this.tracker.endTracks());
  }

  /** Everything needed to continue this scene elsewhere (JSON). */
  snapshot(): SceneState {
    return this.tracker.snapshot();
  }
}

export type { SceneGeometry, SceneState };
