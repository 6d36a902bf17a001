import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import { DetectorEngine, iou, letterbox, type Candidate, type RgbImage } from '@forgesyte/vision';
import { MEDIA_DIR, MODELS_DIR } from '../support/app';
import { YOLOX_NANO } from '../support/detector-model';

// The copy of YOLOX-Nano that `npm run models` makes with a free input height and width (scripts/onnx-any-size.mjs)
// against the upstream file it was made from.

const SESSION = { intraOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' } as const;
const UPSTREAM = { ...YOLOX_NANO, path: join(MODELS_DIR, 'yolox_nano_coco_416.onnx'), stride: null };

function randomTensor(height: number, width: number): Tensor {
  let seed = 7;
  const data = new Float32Array(3 * height * width).map(() => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return (seed / 2 ** 31) * 255;
  });
  return new Tensor('float32', data, [1, 3, height, width]);
}

async function frame(name: string, width: number, height: number): Promise<RgbImage> {
  const { data, info } = await sharp(join(MEDIA_DIR, name))
    .resize(width, height, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('YOLOX-Nano with any input size', () => {
  it('computes what the upstream file computes at 416x416, and runs at 416x320 with the anchors of that size', async () => {
    const upstream = await InferenceSession.create(UPSTREAM.path, SESSION);
    const anySize = await InferenceSession.create(YOLOX_NANO.path, SESSION);
    try {
      const square = randomTensor(416, 416);
      const a = (await upstream.run({ images: square })).output!;
      const b = (await anySize.run({ images: square })).output!;
      expect(b.dims).toEqual(a.dims);
      const x = a.data as Float32Array;
      const y = b.data as Float32Array;
      let worst = 0;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
      expect(worst).toBeLessThan(1e-3);

      const wide = (await anySize.run({ images: randomTensor(320, 416) })).output!;
      // 52x40 + 26x20 + 13x10 anchors at strides 8, 16 and 32.
      expect(wide.dims).toEqual([1, 2730, 85]);
      await expect(upstream.run({ images: randomTensor(320, 416) })).rejects.toThrow(/dimensions/i);
    } finally {
      await upstream.release();
      await anySize.release();
    }
  });

  it.each([
    ['bus.jpg', 810, 1080],
    ['zidane.jpg', 1280, 720],
    ['dog_bicycle_truck.jpg', 640, 480],
  ])('finds on %s, padded to a multiple of 32, what the square input finds', async (name, width, height) => {
    const fixed = await DetectorEngine.load(UPSTREAM, SESSION);
    const free = await DetectorEngine.load(YOLOX_NANO, SESSION);
    try {
      const square = letterbox(width, height, 416, 416, 'top-left');
      const tight = letterbox(width, height, 416, 416, 'top-left', 32);
      expect(tight.inputWidth * tight.inputHeight).toBeLessThan(416 * 416);
      const image = await frame(name, square.width, square.height);
      const want = (await fixed.detect(image, square, 0.25, 0.45)).candidates.filter((c) => c.score >= 0.4);
      const got = (await free.detect(image, tight, 0.25, 0.45)).candidates;
      expect(want.length).toBeGreaterThan(0);
      for (const w of want) {
        const best = got
          .filter((g: Candidate) => g.classId === w.classId)
          .map((g) => ({ g, overlap: iou(g, w) }))
          .sort((p, q) => q.overlap - p.overlap)[0];
        expect(best?.overlap).toBeGreaterThanOrEqual(0.9);
        expect(Math.abs(best!.g.score - w.score)).toBeLessThanOrEqual(0.05);
      }
    } finally {
      await fixed.release();
      await free.release();
    }
  });
});
