import { z } from 'zod';
import { type Detection } from '@forgesyte/contracts';
import { type SceneFrame } from '@forgesyte/vision';
import { id, partials, threshold, type NodeKind } from './node-kind';

export const trackSchema = z.object({
  id,
  kind: z.literal('track'),
  /** One detect node; its score_threshold should be at or below low_threshold so weak detections reach the tracker. */
  inputs: z.array(id).length(1),
  /** Detections from here up start tracks and are matched first. */
  high_threshold: threshold.default(0.5),
  /** Detections from here to high_threshold only keep existing tracks alive. */
  low_threshold: threshold.default(0.1),
  /** Detections not on a confirmed track are reported only from this score up (the pipeline's own threshold). */
  report_threshold: threshold.default(0.25),
  /** Frames in a row a new track must be matched before it is confirmed and gets a track_id. */
  confirm_frames: z.number().int().min(1).max(30).default(3),
  /** Seconds a confirmed track that is no longer seen is kept before it ends. */
  lost_s: z.number().positive().max(60).default(1),
  /** Minimum overlap (IoU) between a track's predicted box and a detection. */
  match_iou: threshold.default(0.2),
  /** Labels to track; omitted: every label of the detector. */
  classes: z.array(z.string().min(1)).min(1).optional(),
});
export type TrackNodeSpec = z.infer<typeof trackSchema>;

/**
 * Multi-object tracking after a detector (ByteTrack-style, `SceneTracker` in libs/vision). The tracker itself is the
 * caller's (a live session's, a camera's, a job's): the node takes the frame's turn at it, so one pipeline serves
 * every scene. Detections of confirmed tracks get `track_id`; others are reported from `report_threshold` up.
 */
export const trackNode: NodeKind<TrackNodeSpec> = {
  kind: 'track',
  schema: trackSchema,
  inputs: (spec) => spec.inputs,
  models: () => [],
  requires: () => [],
  describe: () => undefined,
  check(spec, before) {
    if (before.get(spec.inputs[0]!)?.kind !== 'detect') return 'a track node reads one detect node';
    if (spec.low_threshold > spec.high_threshold) return 'low_threshold is above high_threshold';
    return null;
  },
  sceneOptions: (spec) => ({
    highThreshold: spec.high_threshold,
    lowThreshold: spec.low_threshold,
    confirmFrames: spec.confirm_frames,
    lostS: spec.lost_s,
    matchIou: spec.match_iou,
    classes: spec.classes ?? null,
  }),
  bind: (spec) => ({
    async run(inputs, { scene }) {
      const branch = partials(inputs)[0];
      if (!branch) throw new Error('a track node must read a detect node');
      await scene?.ready;
      const t0 = performance.now();
      const frame: SceneFrame = scene
        ? scene.tracker.update(branch.detections, scene.timeS)
        : { trackIds: branch.detections.map(() => null) };
      scene?.tracked();
      const detections = branch.detections.flatMap((d, i): Detection[] => {
        const trackId = frame.trackIds[i];
        if (trackId !== null && trackId !== undefined) return [{ ...d, track_id: trackId }];
        return d.score >= spec.report_threshold ? [d] : [];
      });
      const { trackIds: _ids, ...counts } = frame;
      return {
        kind: 'partial',
        value: {
          ...branch,
          detections,
          postprocess: branch.postprocess + performance.now() - t0,
          ...(scene?.tracker.hasGeometry ? { scene: counts } : {}),
        },
      };
    },
  }),
};
