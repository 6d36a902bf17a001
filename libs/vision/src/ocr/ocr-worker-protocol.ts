import { type InferenceSession } from 'onnxruntime-node';
import { type RgbImage } from './image';
import { type OcrOptions, type OcrResult } from './ocr-engine';

export interface WorkerInit {
  detPath: string;
  recPath: string;
  dictPath: string;
  sessionOptions?: InferenceSession.SessionOptions;
  options: Partial<OcrOptions>;
}

export type WorkerRequest =
  { id: number; type: 'warmup' } | { id: number; type: 'release' } | { id: number; type: 'recognize'; image: RgbImage };

/** Id 0 answers start-up (models loaded or not). */
export type WorkerReply =
  { id: number; ok: true; result?: OcrResult } | { id: number; ok: false; name: string; message: string };
