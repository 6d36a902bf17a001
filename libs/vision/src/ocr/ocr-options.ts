/** `OcrEngine` settings, and the ONNX Runtime session options they imply. */
import { type DbOptions } from './db-postprocess';

export interface OcrOptions {
  /**
   * Longest detector input side; larger images are shrunk (PaddleOCR: 960). Detection grows with the pixel count:
   * 544 costs a third of 960 and still reads every line of the street-signs photo (docs/PERFORMANCE.md lists the
   * readings per size), at some loss on small text: a superscript ("1er") or text a few pixels high.
   */
  detLimitSide: number;
  db: Partial<DbOptions>;
  /** Crops per recognition run at most; crops of similar width share a run (see `planRecBatches`). */
  recBatchSize: number;
  /**
   * Recognition input width never goes below this nor above `recMaxWidth`. PaddleOCR pads every crop to 320, which
   * here tripled the recognition work on a photo of short signs; 160 reads the same lines, while narrower still let
   * single-glyph crops (a pictogram) pass the score threshold as a letter.
   */
  recMinWidth: number;
  recMaxWidth: number;
  /**
   * What one more recognition run costs, in tensor columns (see `RecBatchLimits.runCost`). Measured here: a run
   * costs about 0.12 ms per column and about 2 ms for being a run, hence 16.
   */
  recRunCost: number;
  /**
   * Whether ONNX Runtime's pool threads spin-wait for work between and after runs (its default). OCR alternates
   * model runs with JavaScript work (resizing, DB post-processing, cropping) on the same two cores, and threads left
   * spinning after a run take the CPU that work needs; on a loaded machine they also compete with every other
   * process. Measured here under load: a 1 x 320 recognition run 124 ms with spinning, 108 ms without.
   */
  ortSpinning: boolean;
  /**
   * ONNX Runtime threads for the recognition session; null: as many as the detection session (the caller's
   * `intraOpNumThreads`). A recognition tensor is 48 pixels high, too little work per operator to split well.
   */
  recThreads: number | null;
  /** Lines whose recognition confidence is below this are dropped (PaddleOCR's drop_score). */
  minTextScore: number;
}

export const DEFAULT_OCR_OPTIONS: OcrOptions = {
  detLimitSide: 544,
  db: {},
  recBatchSize: 6,
  recMinWidth: 160,
  recMaxWidth: 1600,
  recRunCost: 16,
  ortSpinning: false,
  recThreads: null,
  minTextScore: 0.5,
};
