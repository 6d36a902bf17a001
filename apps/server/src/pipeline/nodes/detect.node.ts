import { z } from 'zod';
import { type Letterbox } from '@forgesyte/vision';
import { type JpegFrame } from '../detector';
import { decodeImage, type DecodeLimits } from '../image-decoder';
import { id, threshold, findDecoded, viewKey, type Decoded, type NodeKind } from './node-kind';

export const detectSchema = z.object({
  id,
  kind: z.literal('detect'),
  model: id,
  inputs: z.array(id).min(1),
  score_threshold: threshold.default(0.25),
  iou_threshold: threshold.default(0.45),
});
export type DetectNodeSpec = z.infer<typeof detectSchema>;

/** Object detection with a YOLOX or Ultralytics model on the decode node's letterboxed view. */
export const detectNode: NodeKind<DetectNodeSpec> = {
  kind: 'detect',
  schema: detectSchema,
  inputs: (spec) => spec.inputs,
  models: (spec) => [{ model: spec.model, families: ['yolox', 'ultralytics'] }],
  requires: (spec) => [{ type: 'detector', model: spec.model }],
  describe(spec, into, manifest) {
    into.models.push(spec.model);
    const input = manifest.modelInput(spec.model);
    into.detectorInput ??= input;
    // Scaled to fit the model's input anyway: a larger frame adds decoding and nothing else.
    if (input) into.frameNeeds.push(input);
    for (const label of manifest.labels(spec.model)) if (!into.classes.includes(label)) into.classes.push(label);
  },
  bind(spec, { pipelineId, models, limits }) {
    const detector = models.detectors.get(spec.model);
    if (!detector) throw new Error(`pipeline ${pipelineId}: detector ${spec.model} is not loaded`);
    return {
      views(source) {
        const lb = detector.layout(source.width, source.height);
        return new Map([[viewKey(lb), { width: lb.width, height: lb.height }]]);
      },
      readsJpeg: true,
      async run(inputs, { alone, spin }) {
        const decoded = findDecoded(inputs);
        const lb = detector.layout(decoded.source.width, decoded.source.height);
        const image = decoded.views.get(viewKey(lb));
        const request = {
          lb,
          target: decoded.original,
          scoreThreshold: spec.score_threshold,
          iouThreshold: spec.iou_threshold,
          alone,
          spin,
        };
        const run = await detector.detect(image ?? workerFrame(decoded, lb, limits), request);
        return {
          kind: 'partial',
          value: {
            detections: run.detections,
            texts: [],
            preprocess: run.preprocess_ms,
            inference: run.inference_ms,
            postprocess: run.postprocess_ms,
          },
        };
      },
    };
  },
};

/**
 * A detector view that is not in `decoded.views`: the frame is an upright JPEG that the detector worker decodes
 * (see `Decoded.jpeg`). The worker was chosen from the header; bytes corrupt past it are decoded here instead, by
 * the chain that reports them.
 */
function workerFrame(decoded: Decoded, lb: Letterbox, limits: DecodeLimits): JpegFrame {
  const bytes = decoded.jpeg;
  if (!bytes) throw new Error('the decode node made neither the detector view nor kept the JPEG bytes');
  return { jpeg: bytes, fallback: () => decodeImage(bytes, { width: lb.width, height: lb.height }, 1, limits) };
}
