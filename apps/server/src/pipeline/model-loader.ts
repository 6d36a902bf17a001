import { Injectable } from '@nestjs/common';
import { type InferenceSession } from 'onnxruntime-node';
import { DetectorPool, OcrWorkerEngine, type PoolLayout } from '@forgesyte/vision';
import { Detector, type DetectorSpec } from './detector';

/** What the pipelines need of an OCR engine once loaded: reading text, its health, and release. */
export type LoadedTextReader = Pick<OcrWorkerEngine, 'recognize' | 'problem' | 'release' | 'replacements'>;

/** What the pipelines need of the detector worker pool: its health and shutdown. */
export type LoadedPool = Pick<DetectorPool, 'problem' | 'close'>;

/**
 * Where models come from: ONNX Runtime sessions on worker threads. `PipelineService` takes it by injection so its
 * unit spec can load fake detectors and OCR engines.
 */
@Injectable()
export class ModelLoader {
  startPool(layout: PoolLayout): Promise<DetectorPool> {
    return DetectorPool.start(layout);
  }

  /** `spinTwins`: sessions of more than one thread also get a spinning twin (see DetectorPool). */
  loadDetector(
    spec: DetectorSpec,
    pool: LoadedPool,
    options: InferenceSession.SessionOptions,
    spinTwins = false,
  ): Promise<Detector> {
    return Detector.load(spec, pool as DetectorPool, options, spinTwins);
  }

  /** On a worker thread: an OCR pass of hundreds of milliseconds would otherwise stall every socket and timer. */
  async loadOcr(
    paths: { det: string; rec: string; dictionary: string },
    options: InferenceSession.SessionOptions,
  ): Promise<LoadedTextReader> {
    const engine = await OcrWorkerEngine.load(paths.det, paths.rec, paths.dictionary, options);
    await engine.warmup();
    return engine;
  }
}
