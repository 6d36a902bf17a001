import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import sharp from 'sharp';
import { type TextLine } from '@forgesyte/contracts';
import type { OcrEngine, OcrWorkerEngine, RgbImage } from '@forgesyte/vision';
import { MEDIA_DIR } from './support/app';
import { OCR_FILES } from './support/detector-model';

const STREET_SIGNS = join(MEDIA_DIR, 'street_signs_text.jpg');

async function decode(file: string, transform = (s: ReturnType<typeof sharp>) => s): Promise<RgbImage> {
  const { data, info } = await transform(sharp(file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function expectInside(lines: TextLine[], image: RgbImage): void {
  for (const line of lines) {
    const { x1, y1, x2, y2 } = line.box;
    expect(x1).toBeGreaterThanOrEqual(0);
    expect(y1).toBeGreaterThanOrEqual(0);
    expect(x2).toBeLessThanOrEqual(image.width);
    expect(y2).toBeLessThanOrEqual(image.height);
    expect(x2).toBeGreaterThan(x1);
    expect(y2).toBeGreaterThan(y1);
    expect(line.polygon).toHaveLength(4);
    for (const [x, y] of line.polygon ?? []) {
      expect(x).toBeGreaterThanOrEqual(x1);
      expect(x).toBeLessThanOrEqual(x2);
      expect(y).toBeGreaterThanOrEqual(y1);
      expect(y).toBeLessThanOrEqual(y2);
    }
    expect(line.score).toBeGreaterThanOrEqual(0.5);
    expect(line.score).toBeLessThanOrEqual(1);
  }
}

function lineWith(lines: TextLine[], word: string): TextLine {
  const found = lines.find((l) => l.text.toLowerCase().includes(word.toLowerCase()));
  if (!found) throw new Error(`no line reads "${word}" in ${JSON.stringify(lines.map((l) => l.text))}`);
  return found;
}

describe('loading the OCR engine', () => {
  it('names the model file that cannot be loaded', async () => {
    const { OcrEngine } = await import('@forgesyte/vision');
    const missing = join(tmpdir(), 'no-such-ocr-model.onnx');
    await expect(OcrEngine.load(missing, OCR_FILES.rec, OCR_FILES.dictionary)).rejects.toThrow(
      `OCR detection model ${missing} could not be loaded`,
    );
  });

  it('refuses a dictionary that does not match the recognition model', async () => {
    const { OcrEngine } = await import('@forgesyte/vision');
    const dir = await mkdtemp(join(tmpdir(), 'ocr-dict-'));
    const dict = join(dir, 'keys.txt');
    await writeFile(dict, 'a\nb\nc\n');
    try {
      await expect(OcrEngine.load(OCR_FILES.det, OCR_FILES.rec, dict)).rejects.toThrow(
        'gives 5 classes (blank + 3 + space) but the recognition model',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('OCR engine on the PP-OCRv4 models', () => {
  let engine: OcrEngine;
  let signs: RgbImage;

  beforeAll(async () => {
    const { OcrEngine } = await import('@forgesyte/vision');
    engine = await OcrEngine.load(OCR_FILES.det, OCR_FILES.rec, OCR_FILES.dictionary);
    await engine.warmup();
    signs = await decode(STREET_SIGNS);
  });

  afterAll(async () => {
    await engine.release();
  });

  it('reads the Paris street signs, in reading order, with boxes inside the image', async () => {
    const result = await engine.recognize(signs);
    const { texts } = result;
    expectInside(texts, signs);
    const mairie = lineWith(texts, 'Mairie');
    const palais = lineWith(texts, 'Palais du');
    const musee = lineWith(texts, 'LOUVRE');
    lineWith(texts, 'PALAIS-ROYAL');
    lineWith(texts, 'DECORATIFS');
    // The signs are stacked: Mairie on top, then Palais du Louvre.
    expect(mairie.box.y2).toBeLessThanOrEqual(palais.box.y1 + 5);
    expect(texts.indexOf(mairie)).toBeLessThan(texts.indexOf(palais));
    expect(texts.indexOf(palais)).toBeLessThanOrEqual(texts.indexOf(musee));
    // Each sign is roughly 200 to 300 pixels wide in this 692 x 1024 photo: the box is a line, not the post.
    expect(palais.box.x2 - palais.box.x1).toBeGreaterThan(150);
    expect(palais.box.x2 - palais.box.x1).toBeLessThan(400);
    expect(result.inference_ms).toBeGreaterThan(0);
    expect(result.postprocess_ms).toBeGreaterThan(0);
  });

  it('reads the same lines with ORT threads left spinning and recognition on one thread', async () => {
    const { OcrEngine } = await import('@forgesyte/vision');
    const other = await OcrEngine.load(
      OCR_FILES.det,
      OCR_FILES.rec,
      OCR_FILES.dictionary,
      { intraOpNumThreads: 2 },
      { ortSpinning: true, recThreads: 1 },
    );
    try {
      const read = (lines: TextLine[]) => lines.map((l) => l.text);
      expect(read((await other.recognize(signs)).texts)).toEqual(read((await engine.recognize(signs)).texts));
    } finally {
      await other.release();
    }
  });

  it('finds no text in a blank image', async () => {
    const blank: RgbImage = { data: new Uint8Array(640 * 480 * 3).fill(255), width: 640, height: 480 };
    expect((await engine.recognize(blank)).texts).toEqual([]);
    const black: RgbImage = { data: new Uint8Array(320 * 240 * 3), width: 320, height: 240 };
    expect((await engine.recognize(black)).texts).toEqual([]);
  });

  it('maps boxes back to the original pixels of a downscaled and of a large image', async () => {
    const small = await decode(STREET_SIGNS, (s) => s.resize({ width: 346 }));
    const big = await decode(STREET_SIGNS, (s) => s.resize({ width: 1384 }));
    const atSmall = lineWith((await engine.recognize(small)).texts, 'Mairie').box;
    const atBig = lineWith((await engine.recognize(big)).texts, 'Mairie').box;
    const atFull = lineWith((await engine.recognize(signs)).texts, 'Mairie').box;
    // Same sign, boxes scaled by the image scale (within a few pixels of the detector's resolution).
    expect(atSmall.x1 * 2).toBeCloseTo(atFull.x1, -1.2);
    expect(atSmall.y2 * 2).toBeCloseTo(atFull.y2, -1.2);
    expect(atBig.x1 / 2).toBeCloseTo(atFull.x1, -1.2);
    expect(atBig.y2 / 2).toBeCloseTo(atFull.y2, -1.2);
  });

  it('reads text turned a quarter, running top to bottom', async () => {
    const turned = await decode(STREET_SIGNS, (s) => s.rotate(90));
    const { texts } = await engine.recognize(turned);
    expectInside(texts, turned);
    const louvre = lineWith(texts, 'LOUVRE');
    // The line now stands upright in the image.
    expect(louvre.box.y2 - louvre.box.y1).toBeGreaterThan(2 * (louvre.box.x2 - louvre.box.x1));
  });

  it('gives the same answer to concurrent calls as to one call', async () => {
    const alone = (await engine.recognize(signs)).texts;
    const together = await Promise.all([engine.recognize(signs), engine.recognize(signs)]);
    expect(together[0].texts).toEqual(alone);
    expect(together[1].texts).toEqual(alone);
  });

  it('survives tiny and extreme-aspect images', async () => {
    const tiny: RgbImage = { data: new Uint8Array([10, 20, 30]), width: 1, height: 1 };
    expect((await engine.recognize(tiny)).texts).toEqual([]);
    const strip = await decode(STREET_SIGNS, (s) => s.extract({ left: 0, top: 300, width: 692, height: 6 }));
    const { texts } = await engine.recognize(strip);
    expectInside(texts, strip);
  });

  it('rejects an image whose buffer is smaller than its size says', async () => {
    await expect(engine.recognize({ data: new Uint8Array(10), width: 10, height: 10 })).rejects.toThrow(RangeError);
  });
});

describe('OCR engine on a worker thread', () => {
  let worker: OcrWorkerEngine;
  let inProcess: OcrEngine;
  let signs: RgbImage;

  beforeAll(async () => {
    const vision = await import('@forgesyte/vision');
    const paths = [OCR_FILES.det, OCR_FILES.rec, OCR_FILES.dictionary] as const;
    [worker, inProcess] = await Promise.all([vision.OcrWorkerEngine.load(...paths), vision.OcrEngine.load(...paths)]);
    await worker.warmup();
    signs = await decode(STREET_SIGNS);
  });

  afterAll(async () => {
    await Promise.all([worker.release(), inProcess.release()]);
  });

  it('reads the same lines as the in-process engine', async () => {
    const [there, here] = await Promise.all([worker.recognize(signs), inProcess.recognize(signs)]);
    expect(there.texts).toEqual(here.texts);
    lineWith(there.texts, 'LOUVRE');
    expect(there.inference_ms).toBeGreaterThan(0);
  });

  it('keeps the event loop free while it recognises, unlike the in-process engine', async () => {
    const ticksDuring = async (run: () => Promise<unknown>): Promise<number> => {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 2);
      try {
        await run();
      } finally {
        clearInterval(timer);
      }
      return ticks;
    };
    // onnxruntime-node runs inference synchronously: in-process, timers fire only between the model runs (one
    // detection, then the recognition runs), whereas on the worker they keep firing throughout.
    // InferenceSession is typed as a factory, but it is the class every session is an instance of.
    const sessions = (InferenceSession as unknown as { prototype: Pick<InferenceSession, 'run'> }).prototype;
    const runs = jest.spyOn(sessions, 'run');
    const here = await ticksDuring(() => inProcess.recognize(signs));
    const modelRuns = runs.mock.calls.length;
    runs.mockRestore();
    const there = await ticksDuring(() => worker.recognize(signs));
    expect(modelRuns).toBeGreaterThanOrEqual(2);
    expect(here).toBeLessThanOrEqual(modelRuns + 1);
    expect(there).toBeGreaterThan(20);
  });

  it('reports a worker that can no longer recognize, and refuses work after release', async () => {
    const vision = await import('@forgesyte/vision');
    const other = await vision.OcrWorkerEngine.load(OCR_FILES.det, OCR_FILES.rec, OCR_FILES.dictionary);
    expect(other.problem).toBeNull();
    await other.release();
    expect(other.problem).toMatch(/released/);
    await expect(other.recognize(signs)).rejects.toThrow(/released/);
  });

  it('leaves the caller its buffer and rejects a malformed image with RangeError', async () => {
    const before = Buffer.from(signs.data).toString('base64').length;
    await worker.recognize(signs);
    expect(signs.data.length).toBe(signs.width * signs.height * 3);
    expect(Buffer.from(signs.data).toString('base64').length).toBe(before);
    await expect(worker.recognize({ data: new Uint8Array(3), width: 2, height: 2 })).rejects.toThrow(RangeError);
  });

  it('fails to load with the name of the missing model', async () => {
    const { OcrWorkerEngine } = await import('@forgesyte/vision');
    const missing = join(tmpdir(), 'no-such-rec-model.onnx');
    await expect(OcrWorkerEngine.load(OCR_FILES.det, missing, OCR_FILES.dictionary)).rejects.toThrow(
      `OCR recognition model ${missing} could not be loaded`,
    );
  });
});
