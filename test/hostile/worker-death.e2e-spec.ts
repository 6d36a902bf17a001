import type { DetectorPool, OcrWorkerEngine } from '@forgesyte/vision';
import { STREAM_CLOSE_CODES, type StreamErrorMessage } from '@forgesyte/contracts';
import { openStream } from '../../examples/stream-client';
import { PipelineService } from '@forgesyte/server/pipeline/pipeline.service';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEDIA_DIR, startApp, waitFor, type RunningApp } from '../support/app';
import { expectFrameServed, zidane } from '../support/hostile';
import { present } from '../support/present';

/** The engines behind PipelineService, reached for fault injection only. */
function engines(app: RunningApp): { pool: DetectorPool; ocr: OcrWorkerEngine } {
  const { pool, ocr } = app.app.get<PipelineService, { pool: DetectorPool; ocr: Map<string, OcrWorkerEngine> }>(
    PipelineService,
  );
  return { pool, ocr: present([...ocr.values()][0], 'an OCR engine') };
}

async function ready(app: RunningApp): Promise<number> {
  return (await fetch(`${app.url}/health/ready`)).status;
}

describe('a detector or OCR worker thread that dies', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ PIPELINES: 'yolo,ocr', PIPELINE_WORKERS: 1 });
    await expectFrameServed(app, 'yolo');
  });
  afterAll(() => app.close());

  it.each(['yolo', 'ocr'] as const)(
    '%s: frames in flight are answered pipeline_failure, the thread is replaced, the next stream is served',
    async (pipeline) => {
      const image = pipeline === 'ocr' ? readFileSync(join(MEDIA_DIR, 'street_signs_text.jpg')) : zidane;
      const { pool, ocr } = engines(app);
      const before = pipeline === 'yolo' ? pool.replacements : ocr.replacements;
      // Kill the thread as the frame is posted to it, so the frame is in flight whatever the machine's speed: the
      // kill is a message the thread reads before the frame's (it ends the thread at its next JavaScript turn, never
      // inside a model run), then the engine's own call posts the frame to the dying thread.
      if (pipeline === 'yolo') {
        // An upright JPEG travels to the detector worker as its bytes (detectJpeg).
        const detectJpeg = pool.detectJpeg.bind(pool);
        jest.spyOn(pool, 'detectJpeg').mockImplementationOnce((...args) => {
          void pool.killWorker(0);
          return detectJpeg(...args);
        });
      } else {
        const recognize = ocr.recognize.bind(ocr);
        jest.spyOn(ocr, 'recognize').mockImplementationOnce((...args) => {
          void ocr.kill();
          return recognize(...args);
        });
      }
      const stream = await openStream(app.wsUrl, pipeline);
      stream.socket.send(image);
      // Answered, never left hanging: pipeline_failure and close 4500.
      const answer = (await stream.next(60_000)) as StreamErrorMessage;
      expect(answer).toMatchObject({ error: 'pipeline_failure', frame_index: 0 });
      expect((await stream.closed).code).toBe(STREAM_CLOSE_CODES.pipeline_failure);
      if (pipeline === 'yolo') await pool.settled();
      else await ocr.settled();
      const after = pipeline === 'yolo' ? pool.replacements : ocr.replacements;
      expect(after).toBe(before + 1);
      expect(await waitFor(async () => ((await ready(app)) === 200 ? 200 : undefined), 30_000)).toBe(200);
      const served = await expectFrameServed(app, pipeline, image);
      if (pipeline === 'ocr') expect(served.result.texts?.length).toBeGreaterThan(0);
      else expect(served.result.detections.length).toBeGreaterThan(0);
    },
  );
});
