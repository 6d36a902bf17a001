import { z } from 'zod';
import { id, partials, type Branch, type NodeKind } from './node-kind';

export const mergeSchema = z.object({ id, kind: z.literal('merge'), inputs: z.array(id).min(1) });
export type MergeNodeSpec = z.infer<typeof mergeSchema>;

/** Joins its inputs' detections and texts into one result; a pipeline ends with one. */
export const mergeNode: NodeKind<MergeNodeSpec> = {
  kind: 'merge',
  schema: mergeSchema,
  inputs: (spec) => spec.inputs,
  models: () => [],
  requires: () => [],
  describe: () => undefined,
  bind: () => ({
    run: (inputs) => Promise.resolve({ kind: 'partial', value: mergeBranches(partials(inputs)) }),
  }),
};

export function mergeBranches(parts: Branch[]): Branch {
  const sum = (key: 'preprocess' | 'inference' | 'postprocess') => parts.reduce((acc, p) => acc + p[key], 0);
  return {
    detections: parts.flatMap((p) => p.detections),
    texts: parts.flatMap((p) => p.texts),
    preprocess: sum('preprocess'),
    inference: sum('inference'),
    postprocess: sum('postprocess'),
    ...(parts.find((p) => p.scene) ? { scene: parts.find((p) => p.scene)!.scene } : {}),
  };
}
