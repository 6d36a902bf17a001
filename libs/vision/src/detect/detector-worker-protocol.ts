import { type InferenceSession } from 'onnxruntime-node';
import { type Letterbox } from '../letterbox';
import { type RgbImage } from '../ocr/image';
import { type DetectorModel, type DetectorOutput } from './detector-engine';

export type DetectorRequest =
  | { type: 'load'; model: DetectorModel; sessionOptions: InferenceSession.SessionOptions }
  | { type: 'detect'; model: string; image: RgbImage; lb: Letterbox; scoreThreshold: number; iouThreshold: number }
  | { type: 'release' };

export type DetectorAnswer = DetectorOutput;
