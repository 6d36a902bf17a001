import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { type Detection, type PipelineResult, type PipelinesResponse } from '@forgesyte/contracts';
import { iou } from '@forgesyte/vision';
import type { PipelineService } from '@forgesyte/server/pipeline/pipeline.service';
import { InvalidImageError, UnknownPipelineError } from '@forgesyte/server/pipeline/pipeline.errors';
import type { RunningApp } from './support/app';
import { present } from './support/present';

// onnxruntime-common checks output arrays with `instanceof Float32Array`, but onnxruntime-node
const support = import('./support/app');
const service = import('@forgesyte/server/pipeline/pipeline.service');
const SHARED_DIR = resolve(__dirname, '..', '..', 'shared');
const MEDIA_DIR = join(SHARED_DIR, 'media');

async function startApp(overrides: Record<string, string>): Promise<{ app: RunningApp; pipelines: PipelineService }> {
  const app = await (await support).startApp(overrides);
  return { app, pipelines: app.app.get((await service).PipelineService) };
}

interface ReferenceDetection {
  label: string;
  class_id: number;
  score: number;
  box_xyxy: [number, number, number, number];
}
const reference = JSON.parse(
  readFileSync(join(SHARED_DIR, 'reference', 'yolox_nano_detections.json'), 'utf8'),
) as Record<string, { width: number; height: number; detections: ReferenceDetection[] }>;

const media = (name: string) => readFileSync(join(MEDIA_DIR, name));
const labels = (r: PipelineResult) => r.detections.map((d) => d.label);

describe('pipelines with the real models', () => {
  let app: RunningApp;
  let pipelines: PipelineService;
  beforeAll(async () => {
    ({ app, pipelines } = await startApp({ PIPELINES: 'yolo,yolo11n,yolov8n,ocr,yolo_ocr' }));
    await pipelines.whenLoaded();
  });
  afterAll(() => app.close());

  it.each(Object.keys(reference))(
    'YOLOX-nano matches the independent reference on %s (class, IoU >= 0.85, score within 0.05)',
    async (image) => {
      const expected = present(reference[image], `reference detections for ${image}`);
      const result = await pipelines.runOnFrame('yolo', 0, media(image));
      expect(result.image).toEqual({ width: expected.width, height: expected.height });
      const strong = expected.detections.filter((d) => d.score >= 0.5);
      expect(strong.length).toBeGreaterThan(0);
      for (const want of strong) {
        const [x1, y1, x2, y2] = want.box_xyxy;
        const match = present(
          result.detections
            .filter((d) => d.class_id === want.class_id && d.label === want.label)
            .map((d) => ({ d, overlap: iou(d.box, { x1, y1, x2, y2 }) }))
            .sort((a, b) => b.overlap - a.overlap)[0],
          `a ${want.label}`,
        );
        expect(match.overlap).toBeGreaterThanOrEqual(0.85);
        expect(Math.abs(match.d.score - want.score)).toBeLessThanOrEqual(0.05);
      }
    },
  );

  it.each(['yolo11n', 'yolov8n'])('%s finds the bus and people on bus.jpg, in original pixels', async (id) => {
    const result = await pipelines.runOnFrame(id, 0, media('bus.jpg'));
    expect(result.image).toEqual({ width: 810, height: 1080 });
    const bus = result.detections.find((d) => d.label === 'bus');
    expect(bus?.score).toBeGreaterThan(0.7);
    // The bus fills the upper half of the photo across its whole width (reference box 14,231 - 801,733).
    expect(iou(bus!.box, { x1: 13.7, y1: 231.1, x2: 801.2, y2: 732.6 })).toBeGreaterThan(0.85);
    const people = result.detections.filter((d) => d.label === 'person' && d.score > 0.5);
    expect(people.length).toBeGreaterThanOrEqual(3);
    for (const d of result.detections) {
      expect(d.box.x1).toBeGreaterThanOrEqual(0);
      expect(d.box.x2).toBeLessThanOrEqual(810);
      expect(d.box.y2).toBeLessThanOrEqual(1080);
    }
  });

  it('maps raw frames, scaled down to inputSize, back to the original size', async () => {
    const size = pipelines.inputSize('yolo');
    expect(size).toEqual({ width: 416, height: 416 });
    const { data, info } = await sharp(media('bus.jpg'))
      .resize(size.width, size.height, { fit: 'inside' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([312, 416]);
    const raw = await pipelines.runOnRaw(
      'yolo',
      7,
      { data, width: info.width, height: info.height },
      { priority: 'job', originalSize: { width: 810, height: 1080 } },
    );
    const jpeg = await pipelines.runOnFrame('yolo', 7, media('bus.jpg'));
    expect(raw.image).toEqual({ width: 810, height: 1080 });
    const best = (r: PipelineResult, label: string): Detection =>
      present(r.detections.filter((d) => d.label === label).sort((a, b) => b.score - a.score)[0], `a ${label}`);
    expect(iou(best(raw, 'bus').box, best(jpeg, 'bus').box)).toBeGreaterThan(0.9);
    expect(iou(best(raw, 'person').box, best(jpeg, 'person').box)).toBeGreaterThan(0.85);
  });

  it('applies EXIF orientation, so boxes are in the upright image a viewer shows', async () => {
    // Pixels stored turned 90 degrees clockwise, tagged "turn 90 degrees back to display" (8), as phones do.
    const turned = await sharp(media('bus.jpg'))
      .rotate(90)
      .withMetadata({ orientation: 8 })
      .jpeg({ quality: 92 })
      .toBuffer();
    const result = await pipelines.runOnFrame('yolo', 0, turned);
    expect(result.image).toEqual({ width: 810, height: 1080 });
    const bus = result.detections.find((d) => d.label === 'bus');
    expect(iou(bus!.box, { x1: 13.7, y1: 231.1, x2: 801.2, y2: 732.6 })).toBeGreaterThan(0.85);
  });

  it.each([
    ['progressive', (s: Sharp) => s.jpeg({ progressive: true, quality: 90 })],
    ['greyscale', (s: Sharp) => s.toColourspace('b-w').jpeg({ quality: 90 })],
    ['CMYK', (s: Sharp) => s.toColourspace('cmyk').jpeg({ quality: 90 })],
    ['PNG', (s: Sharp) => s.png()],
  ])('finds the bus in a %s copy of bus.jpg, wherever it is decoded', async (_kind, encode) => {
    const result = await pipelines.runOnFrame('yolo', 0, await encode(sharp(media('bus.jpg'))).toBuffer());
    expect(result.image).toEqual({ width: 810, height: 1080 });
    const bus = result.detections.find((d) => d.label === 'bus');
    expect(iou(bus!.box, { x1: 13.7, y1: 231.1, x2: 801.2, y2: 732.6 })).toBeGreaterThan(0.85);
    expect(result.timings_ms.decode).toBeGreaterThan(0);
  });

  it('reads the street signs with ocr, and yolo_ocr returns both objects and text', async () => {
    const ocr = await pipelines.runOnFrame('ocr', 0, media('street_signs_text.jpg'));
    const text = ocr.texts.map((t) => t.text).join('\n');
    for (const word of ['LOUVRE', 'PALAIS', 'Mairie']) expect(text.toLowerCase()).toContain(word.toLowerCase());
    expect(ocr.detections).toEqual([]);

    const both = await pipelines.runOnFrame('yolo_ocr', 0, media('bus.jpg'));
    expect(labels(both)).toEqual(expect.arrayContaining(['bus', 'person']));
    expect(both.texts.length).toBeGreaterThan(0);
    expect(both.timings_ms.inference).toBeGreaterThan(0);
    expect(both.timings_ms.total).toBeGreaterThanOrEqual(both.timings_ms.decode);
  });

  it('rejects bytes that are not an image, and a crafted header claiming a huge image, with InvalidImageError', async () => {
    await expect(pipelines.runOnFrame('yolo', 0, Buffer.from('definitely not a jpeg'))).rejects.toBeInstanceOf(
      InvalidImageError,
    );
    const truncated = media('zidane.jpg').subarray(0, 2000);
    await expect(pipelines.runOnFrame('yolo', 0, truncated)).rejects.toBeInstanceOf(InvalidImageError);

    // A real 64x64 JPEG whose SOF header is patched to say 60000 x 60000 (3.6 gigapixels).
    const small = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
      .jpeg({ optimiseCoding: false })
      .toBuffer();
    const bomb = Buffer.from(small);
    const sof = bomb.indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).toBeGreaterThan(0);
    bomb.writeUInt16BE(60000, sof + 5);
    bomb.writeUInt16BE(60000, sof + 7);
    const before = process.memoryUsage().rss;
    await expect(pipelines.runOnFrame('yolo', 0, bomb)).rejects.toThrow(InvalidImageError);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);

    await expect(pipelines.runOnRaw('yolo', 0, { data: Buffer.alloc(10), width: 4, height: 4 })).rejects.toBeInstanceOf(
      InvalidImageError,
    );
  });

  it('rejects an unknown pipeline id', async () => {
    expect(pipelines.isValidPipeline('yolo_ocr')).toBe(true);
    expect(pipelines.isValidPipeline('nope')).toBe(false);
    await expect(pipelines.runOnFrame('nope', 0, media('bus.jpg'))).rejects.toBeInstanceOf(UnknownPipelineError);
  });

  it('lists the loaded pipelines on GET /pipelines', async () => {
    const res = await fetch(`${app.url}/pipelines`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as PipelinesResponse;
    expect(body.pipelines.map((p) => p.id)).toEqual(['yolo', 'yolo11n', 'yolov8n', 'ocr', 'yolo_ocr']);
    const yolo = present(body.pipelines[0], 'the yolo pipeline');
    expect(yolo.models).toEqual(['yolox_nano_coco_416']);
    expect(yolo.input_size).toEqual({ width: 416, height: 416 });
    expect(yolo.classes).toHaveLength(80);
    expect(yolo.classes.slice(0, 3)).toEqual(['person', 'bicycle', 'car']);
    expect(body.pipelines[2]?.input_size).toEqual({ width: 640, height: 640 });
    expect(body.pipelines[3]).toMatchObject({ classes: [], models: ['ppocrv4_det', 'ppocrv4_rec'] });
    expect(body.pipelines[4]?.models).toEqual(['yolox_nano_coco_416', 'ppocrv4_det', 'ppocrv4_rec']);
    // The frame worth sending: the detector's input alone, the text-reading size once OCR is in the pipeline.
    expect(body.pipelines.map((p) => [p.id, p.frame_size.width, p.frame_size.height])).toEqual([
      ['yolo', 416, 416],
      ['yolo11n', 320, 320],
      ['yolov8n', 640, 640],
      ['ocr', 1280, 1280],
      ['yolo_ocr', 1280, 1280],
    ]);
  });

  it('reports the models check as up on /health/ready once loaded', async () => {
    const res = await fetch(`${app.url}/health/ready`);
    const body = (await res.json()) as { info: Record<string, { status: string }> };
    expect(res.status).toBe(200);
    expect(body.info.models).toEqual({ status: 'up' });
  });
});

describe('pipelines without their model files', () => {
  let app: RunningApp;
  let pipelines: PipelineService;
  beforeAll(async () => {
    ({ app, pipelines } = await startApp({ PIPELINES: 'yolo', MODELS_DIR: join(SHARED_DIR, 'media') }));
  });
  afterAll(() => app.close());

  it('stays not-ready with a message naming the model and the remedy, and runs fail', async () => {
    await expect(pipelines.whenLoaded()).rejects.toThrow(/yolox_nano_coco_416/);
    const res = await fetch(`${app.url}/health/ready`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: Record<string, { status: string; message: string }> };
    expect(body.error.models?.status).toBe('down');
    expect(body.error.models?.message).toMatch(/model yolox_nano_coco_416: .* is missing; run `npm run models`/);
    await expect(pipelines.runOnFrame('yolo', 0, media('bus.jpg'))).rejects.toThrow(/is missing/);
    // The list comes from the manifest, so the dashboard can still show what will be there.
    expect(pipelines.list().map((p) => p.id)).toEqual(['yolo']);
  });
});
