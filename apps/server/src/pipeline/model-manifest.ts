import { readFileSync } from 'node:fs';
import { type PipelineInfo } from '@forgesyte/contracts';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';

const size = z.object({ width: z.number().int().positive(), height: z.number().int().positive() });
const id = z.string().regex(/^[a-z0-9_]+$/, { error: 'must be lower-case letters, digits and _' });

const modelSchema = z.object({
  id,
  family: z.enum(['yolox', 'ultralytics', 'ppocr-det', 'ppocr-rec']),
  description: z.string().default(''),
  file: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  input: size.optional(),
  /** Class names, one per line, relative to the manifest's folder. */
  labels: z.string().optional(),
  url: z.string().optional(),
  package: z.string().optional(),
  dictionary: z.object({ file: z.string(), sha256: z.string(), package: z.string().optional() }).optional(),
  license: z.string(),
});

const threshold = z.number().min(0).max(1);
const nodeSchema = z.discriminatedUnion('kind', [
  z.object({ id, kind: z.literal('decode') }),
  z.object({
    id,
    kind: z.literal('detect'),
    model: id,
    inputs: z.array(id).min(1),
    score_threshold: threshold.default(0.25),
    iou_threshold: threshold.default(0.45),
  }),
  z.object({ id, kind: z.literal('ocr'), det_model: id, rec_model: id, inputs: z.array(id).min(1) }),
  z.object({ id, kind: z.literal('merge'), inputs: z.array(id).min(1) }),
]);

const pipelineSchema = z.object({ id, description: z.string(), nodes: z.array(nodeSchema).min(1) });

const manifestSchema = z.object({ models: z.array(modelSchema), pipelines: z.array(pipelineSchema) });

export type ModelEntry = z.infer<typeof modelSchema>;
export type PipelineNodeSpec = z.infer<typeof nodeSchema>;
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
  const seen = new Set<string>();
  // Nodes must be listed after their inputs, which also rules out cycles.
  for (const node of pipeline.nodes) {
    if (seen.has(node.id)) fail(`node id ${node.id} is used twice`);
    if (node.kind !== 'decode') {
      for (const input of node.inputs)
        if (!seen.has(input)) fail(`node ${node.id} reads ${input}, not defined before it`);
    }
    const needs: [string, ModelEntry['family'][]][] =
      node.kind === 'detect'
        ? [[node.model, ['yolox', 'ultralytics']]]
        : node.kind === 'ocr'
          ? [
              [node.det_model, ['ppocr-det']],
              [node.rec_model, ['ppocr-rec']],
            ]
          : [];
    for (const [modelId, families] of needs) {
      const model = models.get(modelId);
      if (!model) fail(`node ${node.id} uses model ${modelId}, which the manifest does not list`);
      else if (!families.includes(model.family)) fail(`node ${node.id}: model ${modelId} is a ${model.family} model`);
    }
    seen.add(node.id);
  }
  if (pipeline.nodes.filter((n) => n.kind === 'decode').length !== 1) fail('needs exactly one decode node');
  const last = pipeline.nodes[pipeline.nodes.length - 1];
  if (last.kind !== 'merge') fail('the last node must be a merge node');
}

/** OCR reads small print: frames for OCR pipelines are scaled to fit this, not to the detector's size. */
export const OCR_FRAME_SIZE = { width: 1280, height: 1280 } as const;

/**
 * The `GET /pipelines` entry and the frame size video jobs should scale to, from the manifest
 * alone (so both are known before the models finish loading).
 */
export function describePipeline(
  spec: PipelineSpec,
  manifest: Manifest,
): { info: PipelineInfo; inputSize: { width: number; height: number } } {
  const models: string[] = [];
  const classes: string[] = [];
  let detectorInput: { width: number; height: number } | undefined;
  let ocr = false;
  for (const node of spec.nodes) {
    if (node.kind === 'detect') {
      models.push(node.model);
      detectorInput ??= manifest.models.get(node.model)?.input;
      for (const label of manifest.labels.get(node.model) ?? []) if (!classes.includes(label)) classes.push(label);
    } else if (node.kind === 'ocr') {
      ocr = true;
      models.push(node.det_model, node.rec_model);
    }
  }
  const inputSize = ocr || !detectorInput ? { ...OCR_FRAME_SIZE } : { ...detectorInput };
  return {
    info: {
      id: spec.id,
      description: spec.description,
      models,
      classes,
      input_size: detectorInput ? { ...detectorInput } : { ...OCR_FRAME_SIZE },
    },
    inputSize,
  };
}
