import type { LineCount, SceneEvent, ZoneCount } from './scene';

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
  /** Set by a tracking pipeline on detections of a confirmed track: positive, stable for the object's life. */
  track_id?: number;
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
  /** Tracking pipelines with lines: cumulative counts for the session, camera or job. */
  lines?: LineCount[];
  /** Tracking pipelines with zones: who is in each zone now. */
  zones?: ZoneCount[];
  /** Tracking pipelines with lines or zones: what happened on this frame. */
  events?: SceneEvent[];
}

/** One entry of `GET /pipelines`. */
export interface PipelineInfo {
  id: string;
  description: string;
  models: string[];
  classes: string[];
  input_size: { width: number; height: number };
  /**
   * The largest frame worth sending: scale frames down to fit inside it (aspect ratio kept, never enlarged). A larger
   * frame gives the same result and only costs more to decode; the detector's input for a detection pipeline, the
   * text-reading size (OCR_FRAME_SIZE) for one that reads text.
   */
  frame_size: { width: number; height: number };
  /** Present and true when the pipeline tracks objects (a track node): it takes lines and zones. */
  tracking?: true;
}

export interface PipelinesResponse {
  pipelines: PipelineInfo[];
}
