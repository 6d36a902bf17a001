/** A box in original-image pixels, top-left (x1, y1) to bottom-right (x2, y2). */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface Detection {
  label: string;
  class_id: number;
  score: number;
  box: Box;
}

export interface TextLine {
  text: string;
  score: number;
  box: Box;
  /** Quadrilateral in original-image pixels, clockwise from top-left, when the detector gives one. */
  polygon?: [number, number][];
}

export interface PipelineTimings {
  decode: number;
  inference: number;
  postprocess: number;
  total: number;
}

/** What one pipeline run on one frame produces. */
export interface PipelineResult {
  image: { width: number; height: number };
  detections: Detection[];
  texts: TextLine[];
  timings_ms: PipelineTimings;
}

/** One entry of `GET /pipelines`. */
export interface PipelineInfo {
  id: string;
  description: string;
  models: string[];
  classes: string[];
  input_size: { width: number; height: number };
}

export interface PipelinesResponse {
  pipelines: PipelineInfo[];
}
