import { join } from 'node:path';
import type { DetectorModel } from '@forgesyte/vision';
import { MODELS_DIR } from './app';

/** The YOLOX-nano COCO detector that `npm run models` fetches, as the pipelines load it. */
export const YOLOX_NANO: DetectorModel = {
  id: 'yolox_nano_coco_416',
  family: 'yolox',
  path: join(MODELS_DIR, 'yolox_nano_coco_416_any_size_s2d.onnx'),
  input: { width: 416, height: 416 },
  stride: 32,
  classes: 80,
};

/** The PP-OCRv4 files as the pipelines load them: the `hard_swish` copies that `npm run models` makes. */
export const OCR_FILES = {
  det: join(MODELS_DIR, 'ch_PP-OCRv4_det_infer_hard_swish.onnx'),
  rec: join(MODELS_DIR, 'ch_PP-OCRv4_rec_infer_hard_swish.onnx'),
  dictionary: join(MODELS_DIR, 'ppocr_keys_v1.txt'),
};
