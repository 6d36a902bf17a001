/**
 * Child process of test/medium/worker-end.medium-spec.ts: kills a detector worker thread again and again while frames
 * run on it, then closes the pool with frames in flight. Prints `survived N` and exits 0 when the process lived
 * through all of it; a native abort (SIGABRT) shows as the exit signal instead.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { DetectorPool, letterbox } from '@forgesyte/vision';
import { MEDIA_DIR } from './app';
import { YOLOX_NANO } from './detector-model';

const MODEL = YOLOX_NANO;

async function main(rounds: number): Promise<void> {
  const file = join(MEDIA_DIR, 'bus.jpg');
  const { width = 0, height = 0 } = await sharp(file).metadata();
  const lb = letterbox(width, height, 416, 416, 'top-left');
  const { data, info } = await sharp(file)
    .resize(lb.width, lb.height, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const image = () => ({ data: Buffer.from(data), width: info.width, height: info.height });
  const pool = await DetectorPool.start({ workers: 1, threads: 1 });
  await pool.load(MODEL, { interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' });
  const settle = (p: Promise<unknown>) =>
    p.then(
      () => 'answered',
      (e: Error) => e.message,
    );
  for (let round = 0; round < rounds; round++) {
    const runs = [0, 1, 2].map(() => settle(pool.detect(MODEL.id, image(), lb, 0.3, 0.45)));
    // a few milliseconds in, one of the frames is inside the model run
    await new Promise((resolve) => setTimeout(resolve, 2 + (round % 7)));
    await pool.killWorker(0);
    await Promise.all(runs);
    await pool.settled();
  }
  const inFlight = [0, 1, 2].map(() => settle(pool.detect(MODEL.id, image(), lb, 0.3, 0.45)));
  await new Promise((resolve) => setTimeout(resolve, 3));
  await pool.close();
  await Promise.all(inFlight);
  console.log(`survived ${rounds}`);
}

void main(Number(process.argv[2] ?? 20)).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
