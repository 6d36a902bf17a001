import { type InferenceSession } from 'onnxruntime-node';
import { type RgbImage } from './image';
import { type OcrResult } from './ocr-engine';
import { type OcrOptions } from './ocr-options';

export interface OcrWorkerInit {
  detPath: string;
  recPath: string;
  dictPath: string;
  sessionOptions?: InferenceSession.SessionOptions;
  options: Partial<OcrOptions>;
}

export type OcrRequest = { type: 'warmup' } | { type: 'release' } | { type: 'recognize'; image: RgbImage };

export type OcrAnswer = OcrResult;
