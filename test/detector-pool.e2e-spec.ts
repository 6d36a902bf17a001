import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { DetectorEngine, DetectorPool, iou, letterbox, type Letterbox, type RgbImage } from '@forgesyte/vision';
import { MEDIA_DIR } from './support/app';
import { YOLOX_NANO } from './support/detector-model';
import { present } from './support/present';

const MODEL = YOLOX_NANO;
const SESSION = { interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' } as const;
const PERSON = 0;
const BUS = 5;

/** bus.jpg scaled into the YOLOX input, as the pipelines hand it over. */
async function busFrame(): Promise<{ image: RgbImage; lb: Letterbox }> {
  const meta = await sharp(join(MEDIA_DIR, 'bus.jpg')).metadata();
  const lb = letterbox(meta.width, meta.height, 416, 416, 'top-left');
  const { data, info } = await sharp(join(MEDIA_DIR, 'bus.jpg'))
    .resize(lb.width, lb.height, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { image: { data, width: info.width, height: info.height }, lb };
}

describe('DetectorPool: detection on worker threads', () => {
  let pool: DetectorPool;
  let frame: { image: RgbImage; lb: Letterbox };

  beforeAll(async () => {
    frame = await busFrame();
    pool = await DetectorPool.start({ workers: 2, threads: 2 });
    await pool.load(MODEL, SESSION, { spinTwins: true });
  });

  afterAll(async () => {
    await pool?.close();
  });

  it('shares the threads out: one-thread sessions in each worker, a two-thread one for lone frames', () => {
    expect(pool.size).toBe(2);
    expect(pool.share).toBe(1);
    expect(pool.hasWide).toBe(true);
  });

  it('finds what the same model finds on the calling thread, alone (spinning or not) or side by side', async () => {
    const engine = await DetectorEngine.load(MODEL, { ...SESSION, intraOpNumThreads: 1 });
    const local = await engine.detect(frame.image, frame.lb, 0.3, 0.45);
    await engine.release();
    const classes = local.candidates.map((c) => c.classId);
    expect(classes.filter((c) => c === PERSON).length).toBeGreaterThanOrEqual(3);
    expect(classes).toContain(BUS);

    const alone = await pool.detect(MODEL.id, frame.image, frame.lb, 0.3, 0.45, { alone: true });
    // The wide session's spinning twin (a lone frame on a quiet host).
    const spinning = await pool.detect(MODEL.id, frame.image, frame.lb, 0.3, 0.45, { alone: true, spin: true });
    const together = await Promise.all([
      pool.detect(MODEL.id, frame.image, frame.lb, 0.3, 0.45),
      pool.detect(MODEL.id, frame.image, frame.lb, 0.3, 0.45),
    ]);
    for (const out of [alone, spinning, ...together]) {
      expect(out.candidates).toHaveLength(local.candidates.length);
      out.candidates.forEach((c, i) => {
        const l = present(local.candidates[i], `candidate ${i} on the calling thread`);
        expect(c.classId).toBe(l.classId);
        expect(c.score).toBeCloseTo(l.score, 3);
        expect(c.x1).toBeCloseTo(l.x1, 1);
        expect(c.y2).toBeCloseTo(l.y2, 1);
      });
      expect(out.inference_ms).toBeGreaterThan(0);
    }
  });

  it('keeps two frames apart when they reach one engine before either runs', async () => {
    const engine = await DetectorEngine.load(MODEL, { ...SESSION, intraOpNumThreads: 1 });
    const grey = {
      data: new Uint8Array(frame.image.data.length).fill(114),
      width: frame.image.width,
      height: frame.image.height,
    };
    // Both fills happen before either run starts (onnxruntime-node defers the run to setImmediate).
    const [bus, blank] = await Promise.all([
      engine.detect(frame.image, frame.lb, 0.3, 0.45),
      engine.detect(grey, frame.lb, 0.3, 0.45),
    ]);
    await engine.release();
    expect(bus.candidates.some((c) => c.classId === BUS)).toBe(true);
    expect(blank.candidates).toEqual([]);
  });

  it('leaves the event loop free while a frame infers', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const out = await pool.detect(MODEL.id, frame.image, frame.lb, 0.3, 0.45);
    clearInterval(timer);
    // In-thread, session.run holds the loop for the whole inference and no timer fires until it returns.
    expect(out.inference_ms).toBeGreaterThan(1);
    expect(ticks).toBeGreaterThan(0);
  });

  it('hands over a copy: the caller may reuse its buffer while the frame runs', async () => {
    const data = Buffer.from(frame.image.data);
    const running = pool.detect(MODEL.id, { ...frame.image, data }, frame.lb, 0.3, 0.45);
    data.fill(0);
    const out = await running;
    expect(out.candidates.some((c) => c.classId === BUS)).toBe(true);
  });

  it('refuses a model it has not loaded and an image shorter than its size, and keeps serving', async () => {
    await expect(pool.detect('nope', frame.image, frame.lb, 0.3, 0.45)).rejects.toThrow(/nope is not loaded/);
    const short = { data: new Uint8Array(30), width: 10, height: 10 };
    await expect(pool.detect(MODEL.id, short, frame.lb, 0.3, 0.45)).rejects.toThrow(RangeError);
    const out = await pool.detect(MODEL.id, frame.image, frame.lb, 0.3, 0.45);
    expect(out.candidates.length).toBeGreaterThan(0);
    expect(pool.problem).toBeNull();
  });

  it('decodes JPEG bytes in the worker and finds what it finds in the decoded pixels', async () => {
    const jpeg = readFileSync(join(MEDIA_DIR, 'bus.jpg'));
    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    const full = await pool.detect(MODEL.id, { data, width: info.width, height: info.height }, frame.lb, 0.3, 0.45);
    const fromBytes = present(await pool.detectJpeg(MODEL.id, jpeg, frame.lb, 0.3, 0.45), 'a result');
    expect(fromBytes.candidates.some((c) => c.classId === BUS)).toBe(true);
    // libvips and TurboJPEG (fast IDCT) differ by a level here and there: the same strong objects, near-identical boxes.
    const strong = full.candidates.filter((c) => c.score >= 0.5);
    expect(strong.length).toBeGreaterThanOrEqual(4);
    for (const want of strong) {
      const overlaps = fromBytes.candidates.filter((c) => c.classId === want.classId).map((c) => iou(c, want));
      expect(Math.max(0, ...overlaps)).toBeGreaterThan(0.95);
    }
    // The caller's buffer is not taken from it: the bytes were copied before the transfer.
    expect(jpeg.length).toBeGreaterThan(0);
    expect(jpeg[0]).toBe(0xff);
  });

  it('answers null for JPEG bytes that do not decode, or not to the size the layout says, and keeps serving', async () => {
    const jpeg = readFileSync(join(MEDIA_DIR, 'bus.jpg'));
    expect(await pool.detectJpeg(MODEL.id, jpeg.subarray(0, 3000), frame.lb, 0.3, 0.45)).toBeNull();
    const other = letterbox(640, 480, 416, 416, 'top-left');
    expect(await pool.detectJpeg(MODEL.id, jpeg, other, 0.3, 0.45)).toBeNull();
    expect((await pool.detectJpeg(MODEL.id, jpeg, frame.lb, 0.3, 0.45))?.candidates.length).toBeGreaterThan(0);
    expect(pool.problem).toBeNull();
  });

  it('fails a load whose labels do not fit the model output', async () => {
    await expect(pool.load({ ...MODEL, id: 'three_labels', classes: 3 }, SESSION)).rejects.toThrow(
      /does not fit 3 labels/,
    );
  });
});

describe('DetectorPool shutdown', () => {
  it('finishes the frames in flight before releasing, then refuses new ones', async () => {
    const frame = await busFrame();
    const pool = await DetectorPool.start({ workers: 1, threads: 1 });
    await pool.load(MODEL, SESSION);
    expect(pool.hasWide).toBe(false);
    const running = pool.detect(MODEL.id, frame.image, frame.lb, 0.3, 0.45);
    const closed = pool.close();
    const out = await running;
    await closed;
    expect(out.candidates.some((c) => c.classId === BUS)).toBe(true);
    expect(pool.problem).toMatch(/released/);
    await expect(pool.detect(MODEL.id, frame.image, frame.lb, 0.3, 0.45)).rejects.toThrow(
      /released|no detector worker/,
    );
  });

  it('rejects a layout without workers or threads', async () => {
    await expect(DetectorPool.start({ workers: 0, threads: 2 })).rejects.toThrow(RangeError);
    await expect(DetectorPool.start({ workers: 2, threads: 0 })).rejects.toThrow(RangeError);
  });
});
