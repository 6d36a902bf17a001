import { z } from 'zod';
import { decodeNode, decodeSchema } from './decode.node';
import { detectNode, detectSchema } from './detect.node';
import { mergeNode, mergeSchema } from './merge.node';
import { type NodeKind } from './node-kind';
import { ocrNode, ocrSchema } from './ocr.node';
import { trackNode, trackSchema } from './track.node';

/**
 * The registry of pipeline node kinds. Adding a kind: one `<kind>.node.ts` exporting a `NodeKind`, its schema in
 * `nodeSchema` and its entry in `NODE_KINDS` (docs/PIPELINES.md walks through the track node).
 */
export const nodeSchema = z.discriminatedUnion('kind', [
  decodeSchema,
  detectSchema,
  ocrSchema,
  mergeSchema,
  trackSchema,
]);

export type PipelineNodeSpec = z.infer<typeof nodeSchema>;
export type NodeKindName = PipelineNodeSpec['kind'];

const NODE_KINDS: { [K in NodeKindName]: NodeKind<Extract<PipelineNodeSpec, { kind: K }>> } = {
  decode: decodeNode,
  detect: detectNode,
  ocr: ocrNode,
  merge: mergeNode,
  track: trackNode,
};

/** The kind module of a node spec. */
export function nodeKind<S extends PipelineNodeSpec>(spec: S): NodeKind<S> {
  return NODE_KINDS[spec.kind] as unknown as NodeKind<S>;
}

export * from './node-kind';
