import { performance } from 'node:perf_hooks';
import { SceneTracker, type TrackInput } from '@forgesyte/vision';
import { type CompiledPipeline, type RunContext } from '@forgesyte/server/pipeline/pipeline-graph';
import { Scene } from '@forgesyte/server/pipeline/scene';
import { stats } from './bench-pipeline';

/**
 * The tracker alone (`SceneTracker.update`: Kalman predict and correct, three associations, one line and one zone)
 * on `objects` people walking in a grid at 30 fps, each with its own speed, for `frames` frames.
 */
export function trackingCost(objects: number, frames: number): { median: number; p99: number; ids: number } {
  const tracker = new SceneTracker({
    lines: [{ id: 'door', from: [640, 0], to: [640, 720] }],
    zones: [
      {
        id: 'bay',
        points: [
          [0, 0],
          [400, 0],
          [400, 720],
          [0, 720],
        ],
      },
    ],
  });
  const times: number[] = [];
  for (let f = 0; f < frames; f++) {
    const t = f / 30;
    const detections: TrackInput[] = Array.from({ length: objects }, (_, k) => {
      const x = 40 + (k % 5) * 250 + Math.sin(t + k) * 120;
      const y = 150 + Math.floor(k / 5) * 150 + ((t * (10 + k)) % 40);
      return {
        box: { x1: x, y1: y - 120, x2: x + 50, y2: y },
        score: 0.6 + (k % 4) * 0.1,
        class_id: 0,
        label: 'person',
      };
    });
    const t0 = performance.now();
    tracker.update(detections, t);
    if (f >= 30) times.push(performance.now() - t0);
  }
  return { ...stats(times), ids: tracker.snapshot().tracker.nextId - 1 };
}

/** How a benchmark runs a pipeline frame: with a scene of its own when the pipeline tracks, so tracking is timed. */
export function frameRunner(pipeline: CompiledPipeline): (context: Omit<RunContext, 'scene'>) => RunContext {
  const options = pipeline.sceneOptions;
  if (!options) return (context) => context;
  const scene = new Scene(pipeline.id, new SceneTracker({ tracker: options }));
  let frame = 0;
  return (context) => {
    const { turn, release } = scene.turn(frame++ / 30);
    // The bench runs one frame at a time: the turn is free as soon as it is taken.
    release();
    return { ...context, scene: turn };
  };
}
