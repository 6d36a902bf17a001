/**
 * Worker-thread entry for `OcrWorkerEngine`: owns one `OcrEngine` and answers recognise requests. onnxruntime-node's
 * `session.run` blocks its thread for the whole inference, so OCR (hundreds of milliseconds) runs here instead of on
 * the server's event loop.
 */
import { serveRequests } from '../worker/worker-serve';
import { OcrEngine } from './ocr-engine';
import { type OcrAnswer, type OcrRequest, type OcrWorkerInit } from './ocr-worker-protocol';

serveRequests<OcrEngine, OcrRequest, OcrAnswer>(
  (data) => {
    const init = data as OcrWorkerInit;
    return OcrEngine.load(init.detPath, init.recPath, init.dictPath, init.sessionOptions, init.options);
  },
  async (engine, req) => {
    switch (req.type) {
      case 'warmup':
        await engine.warmup();
        return;
      case 'recognize':
        return engine.recognize(req.image);
      case 'release':
        await engine.release();
        return;
    }
  },
);
