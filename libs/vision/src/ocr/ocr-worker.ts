/**
 * Worker-thread entry for `OcrWorkerEngine`: owns one `OcrEngine` and answers recognise requests. onnxruntime-node's
 * `session.run` blocks its thread for the whole inference, so OCR (hundreds of milliseconds) runs here instead of on
 * the server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OcrEngine } from './ocr-engine';
import { type WorkerInit, type WorkerReply, type WorkerRequest } from './ocr-worker-protocol';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('ocr-worker must run in a worker thread');
  const init = workerData as WorkerInit;
  let engine: OcrEngine;
  try {
    engine = await OcrEngine.load(init.detPath, init.recPath, init.dictPath, init.sessionOptions, init.options);
  } catch (e) {
    port.postMessage(failure(0, e) satisfies WorkerReply);
    return;
  }
  port.postMessage({ id: 0, ok: true } satisfies WorkerReply);
  port.on('message', (req: WorkerRequest) => {
    void handle(engine, req).then((reply) => port.postMessage(reply));
  });
}

async function handle(engine: OcrEngine, req: WorkerRequest): Promise<WorkerReply> {
  try {
    switch (req.type) {
      case 'warmup':
        await engine.warmup();
        return { id: req.id, ok: true };
      case 'recognize':
        return { id: req.id, ok: true, result: await engine.recognize(req.image) };
      case 'release':
        await engine.release();
        return { id: req.id, ok: true };
    }
  } catch (e) {
    return failure(req.id, e);
  }
}

function failure(id: number, e: unknown): WorkerReply {
  return {
    id,
    ok: false,
    name: e instanceof Error ? e.name : 'Error',
    message: e instanceof Error ? e.message : String(e),
  };
}

void main();
