import { type InferenceSession } from 'onnxruntime-node';
import { type Letterbox } from '../letterbox';
import { type RgbImage } from '../ocr/image';
import { type DetectorModel, type DetectorOutput } from './detector-engine';

export type DetectorRequest =
  | {
      type: 'load';
      model: DetectorModel;
      sessionOptions: InferenceSession.SessionOptions;
      /** Options of a second session that runs frames alone on more threads, or null. */
      wideOptions: InferenceSession.SessionOptions | null;
    }
  | {
      type: 'detect';
      model: string;
      image: RgbImage;
      lb: Letterbox;
      scoreThreshold: number;
      iouThreshold: number;
      /** Run on the wide session (loaded only in some workers). */
      wide: boolean;
    }
  | {
      /** The same on an upright JPEG's bytes, decoded in the worker; answered without a result when they do not decode. */
      type: 'detect-jpeg';
      model: string;
      jpeg: Uint8Array;
      lb: Letterbox;
      scoreThreshold: number;
      iouThreshold: number;
      wide: boolean;
    }
  | { type: 'release' };

export type DetectorAnswer = DetectorOutput;
