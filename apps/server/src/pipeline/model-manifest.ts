import { readFileSync } from 'node:fs';
import { type PipelineInfo } from '@forgesyte/contracts';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { id, MODEL_FAMILIES, nodeKind, nodeSchema, type Description, type ManifestView } from './nodes';
import { OCR_FRAME_SIZE } from './nodes/ocr.node';
import { type ImageSize } from './image-decoder';

const size = z.object({ width: z.number().int().positive(), height: z.number().int().positive() });

const modelSchema = z.object({
  id,
  family: z.enum(MODEL_FAMILIES),
  description: z.string().default(''),
  file: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  input: size.optional(),
  /**
   * A copy of `file` that `npm run models` makes, whose input takes any height and width that are multiples of
   * `stride` (up to `input`): frames are then padded only to the next multiple instead of to the whole input.
   */
  any_size: z
    .object({
      file: z.string().min(1),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      stride: z.number().int().positive(),
    })
    .optional(),
  /**
   * A copy of `file` that `npm run models` makes, in which each hard-swish activation written out as
   * Add, Clip, Mul, Div is one HardSigmoid and one Mul (the same function; onnxruntime runs it faster).
   */
  hard_swish: z.object({ file: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
  /**
   * A copy of the `any_size` file (of `file` without one) that `npm run models` makes, in which a YOLOX "Focus"
   * stem (strided Slices and a Concat) is one SpaceToDepth, the next Conv's weights reordered to match.
   */
  space_to_depth: z.object({ file: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
  /** Class names, one per line, relative to the manifest's folder. */
  labels: z.string().optional(),
  url: z.string().optional(),
  package: z.string().optional(),
  dictionary: z.object({ file: z.string(), sha256: z.string(), package: z.string().optional() }).optional(),
  license: z.string(),
});

const pipelineSchema = z.object({ id, description: z.string(), nodes: z.array(nodeSchema).min(1) });

const manifestSchema = z.object({ models: z.array(modelSchema), pipelines: z.array(pipelineSchema) });

export type ModelEntry = z.infer<typeof modelSchema>;
export type { PipelineNodeSpec } from './nodes';
export type PipelineSpec = z.infer<typeof pipelineSchema>;

export interface Manifest {
  models: Map<string, ModelEntry>;
  pipelines: Map<string, PipelineSpec>;
  /** Class names per detector model id. */
  labels: Map<string, string[]>;
}

/** Reads and checks models/manifest.json and its labels files; any problem names the entry. */
export function loadManifest(path: string): Manifest {
  const file = resolve(path);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the model manifest ${file}: ${(error as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid model manifest ${file}: ${problems.join('; ')}`);
  }
  const models = new Map(parsed.data.models.map((m) => [m.id, m]));
  const labels = new Map<string, string[]>();
  for (const model of models.values()) {
    if (model.family !== 'yolox' && model.family !== 'ultralytics') continue;
    if (!model.input || !model.labels) throw new Error(`model ${model.id}: a detector needs "input" and "labels"`);
    const names = readFileSync(resolve(dirname(file), model.labels), 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
    if (names.length === 0) throw new Error(`model ${model.id}: labels file ${model.labels} is empty`);
    labels.set(model.id, names);
  }
  const pipelines = new Map(parsed.data.pipelines.map((p) => [p.id, p]));
  for (const pipeline of pipelines.values()) checkGraph(pipeline, models);
  return { models, pipelines, labels };
}

function checkGraph(pipeline: PipelineSpec, models: Map<string, ModelEntry>): void {
  const fail = (why: string) => {
    throw new Error(`pipeline ${pipeline.id}: ${why}`);
  };
  const seen = new Map<string, PipelineSpec['nodes'][number]>();
  // Nodes must be listed after their inputs, which also rules out cycles.
  for (const node of pipeline.nodes) {
    if (seen.has(node.id)) fail(`node id ${node.id} is used twice`);
    const kind = nodeKind(node);
    for (const input of kind.inputs(node))
      if (!seen.has(input)) fail(`node ${node.id} reads ${input}, not defined before it`);
    for (const { model: modelId, families } of kind.models(node)) {
      const model = models.get(modelId);
      if (!model) fail(`node ${node.id} uses model ${modelId}, which the manifest does not list`);
      else if (!families.includes(model.family)) fail(`node ${node.id}: model ${modelId} is a ${model.family} model`);
    }
    const problem = kind.check?.(node, seen);
    if (problem) fail(`node ${node.id}: ${problem}`);
    seen.set(node.id, node);
  }
  if (pipeline.nodes.filter((n) => n.kind === 'decode').length !== 1) fail('needs exactly one decode node');
  if (pipeline.nodes.at(-1)?.kind !== 'merge') fail('the last node must be a merge node');
}

/**
 * The `GET /pipelines` entry and the frame size video jobs and cameras scale to, from the manifest alone (so both are
 * known before the models finish loading).
 */
export function describePipeline(
  spec: PipelineSpec,
  manifest: Manifest,
): { info: PipelineInfo; inputSize: { width: number; height: number } } {
  const view: ManifestView = {
    modelInput: (model) => manifest.models.get(model)?.input,
    labels: (model) => manifest.labels.get(model) ?? [],
  };
  const d: Description = { models: [], classes: [], frameNeeds: [] };
  for (const node of spec.nodes) nodeKind(node).describe(node, d, view);
  const { models, classes, detectorInput } = d;
  const frameSize = holdingBox(d.frameNeeds) ?? { ...OCR_FRAME_SIZE };
  return {
    info: {
      id: spec.id,
      description: spec.description,
      models,
      classes,
      input_size: detectorInput ? { ...detectorInput } : { ...OCR_FRAME_SIZE },
      frame_size: { ...frameSize },
      ...(spec.nodes.some((node) => node.kind === 'track') ? { tracking: true as const } : {}),
    },
    inputSize: frameSize,
  };
}

/** The smallest box every size fits inside (each side the largest of that side), or null for none. */
function holdingBox(sizes: ImageSize[]): ImageSize | null {
  if (sizes.length === 0) return null;
  return {
    width: Math.max(...sizes.map((s) => s.width)),
    height: Math.max(...sizes.map((s) => s.height)),
  };
}
