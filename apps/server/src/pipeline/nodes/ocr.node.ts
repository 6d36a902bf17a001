import { z } from 'zod';
import { type TextLine } from '@forgesyte/contracts';
import { type ImageSize } from '../image-decoder';
import { id, findDecoded, ocrKey, type NodeKind } from './node-kind';

export const ocrSchema = z.object({
  id,
  kind: z.literal('ocr'),
  det_model: id,
  rec_model: id,
  inputs: z.array(id).min(1),
});
export type OcrNodeSpec = z.infer<typeof ocrSchema>;

/**
 * OCR reads small print: text is found on the frame shrunk to at most 960 px on its long side, but recognised on
 * crops of the frame itself, so frames up to this size still add legible detail; jobs and cameras scale frames of an
 * OCR pipeline to fit it, and clients are told to send frames this large (`frame_size`).
 */
export const OCR_FRAME_SIZE = { width: 1280, height: 1280 } as const;

/** Text reading (PP-OCR detection + recognition) on the full-resolution frame. */
export const ocrNode: NodeKind<OcrNodeSpec> = {
  kind: 'ocr',
  schema: ocrSchema,
  inputs: (spec) => spec.inputs,
  models: (spec) => [
    { model: spec.det_model, families: ['ppocr-det'] },
    { model: spec.rec_model, families: ['ppocr-rec'] },
  ],
  requires: (spec) => [{ type: 'ocr', det: spec.det_model, rec: spec.rec_model }],
  describe(spec, into) {
    into.frameNeeds.push({ ...OCR_FRAME_SIZE });
    into.models.push(spec.det_model, spec.rec_model);
  },
  bind(spec, { pipelineId, models }) {
    const engine = models.ocr.get(ocrKey(spec.det_model, spec.rec_model));
    if (!engine) throw new Error(`pipeline ${pipelineId}: OCR models ${spec.det_model} are not loaded`);
    return {
      views: () => new Map([['full', null]]),
      async run(inputs) {
        const decoded = findDecoded(inputs);
        const image = decoded.views.get('full')!;
        const result = await engine.recognize(image);
        return {
          kind: 'partial',
          value: {
            detections: [],
            texts: scaleTexts(result.texts, image, decoded.original),
            preprocess: 0,
            inference: result.inference_ms,
            postprocess: result.postprocess_ms,
          },
        };
      },
    };
  },
};

function scaleTexts(texts: TextLine[], from: ImageSize, to: ImageSize): TextLine[] {
  if (from.width === to.width && from.height === to.height) return texts;
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  return texts.map((t) => ({
    ...t,
    box: { x1: t.box.x1 * sx, y1: t.box.y1 * sy, x2: t.box.x2 * sx, y2: t.box.y2 * sy },
    ...(t.polygon ? { polygon: t.polygon.map(([x, y]) => [x * sx, y * sy] as [number, number]) } : {}),
  }));
}
