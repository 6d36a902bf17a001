import { type InferenceSession } from 'onnxruntime-node';
import { type Letterbox } from '../letterbox';
import { type RgbImage } from '../ocr/image';
import { type DetectorModel, type DetectorOutput } from './detector-engine';

/**
 * Which of a worker's sessions of a model runs a frame: `wide` on every thread of the pool (for a frame alone; held
 * by some workers only) or on the worker's share; `spin`, its twin whose idle threads spin-wait (held only when
 * asked for). A worker without the session asked for uses the closest one it has: not spinning, then narrow.
 */
export interface SessionKind {
  wide: boolean;
  spin: boolean;
}

export type DetectorRequest =
  | {
      type: 'load';
      model: DetectorModel;
      /** The sessions to hold: the usual one (narrow, not spinning) first, and any of the other kinds. */
      sessions: ({ options: InferenceSession.SessionOptions } & SessionKind)[];
    }
  | ({
      type: 'detect';
      model: string;
      image: RgbImage;
      lb: Letterbox;
      scoreThreshold: number;
      iouThreshold: number;
    } & SessionKind)
  | ({
      /** The same on an upright JPEG's bytes, decoded in the worker; answered without a result when they do not decode. */
      type: 'detect-jpeg';
      model: string;
      jpeg: Uint8Array;
      lb: Letterbox;
      scoreThreshold: number;
      iouThreshold: number;
    } & SessionKind)
  | { type: 'release' };

export type DetectorAnswer = DetectorOutput;
