import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import { type Detection, type LineSpec } from '@forgesyte/contracts';
import { letterbox, type RgbImage } from '@forgesyte/vision';
import { buildConfig } from '../config/config';
import { ReadinessService } from '../health/readiness.service';
import { type DetectRequest, type Detector, type JpegFrame } from './detector';
import { type LoadedPool, type LoadedTextReader, type ModelLoader } from './model-loader';
import { InvalidGeometryError, InvalidImageError, UnknownPipelineError } from './pipeline.errors';
import { PipelineMetrics } from './pipeline.metrics';
import { PipelineService, SPIN_MIN_GAP_MS } from './pipeline.service';
import { type HostLoad } from './host-load';

/** A detector that finds what it is told, on an 8x8 model input. */
class FakeDetector {
  readonly calls: { width: number; height: number; score: number; alone?: boolean; spin?: boolean }[] = [];
  constructor(private readonly found: Detection[]) {}
  layout(width: number, height: number) {
    return letterbox(width, height, 8, 8, 'top-left');
  }
  async detect(frame: RgbImage | JpegFrame, { scoreThreshold: score, alone, spin }: DetectRequest) {
    // A JPEG the worker would decode: decoded here at the letterbox size instead.
    const image = 'jpeg' in frame ? await frame.fallback() : frame;
    this.calls.push({ width: image.width, height: image.height, score, alone, spin });
    // Frames whose first byte is not 7 carry a moving object: its x is that byte, and a larger x answers sooner,
    // so frames finish detection out of order.
    const x = image.data[0] ?? 7;
    const moving: Detection[] =
      x === 7 ? [] : [{ label: 'cat', class_id: 0, score: 0.9, box: { x1: x, y1: 10, x2: x + 20, y2: 50 } }];
    await new Promise((resolve) => setTimeout(resolve, x === 7 ? 0 : Math.max(0, 60 - x)));
    return {
      detections: [...this.found, ...moving].filter((d) => d.score >= score),
      preprocess_ms: 1,
      inference_ms: 2,
      postprocess_ms: 3,
    };
  }
}

class FakeLoader implements Pick<ModelLoader, 'startPool' | 'loadDetector' | 'loadOcr'> {
  readonly pool = { problem: null as string | null, close: jest.fn(() => Promise.resolve()) };
  readonly detectors = new Map<string, FakeDetector>();
  readonly ocr = { problem: null as string | null, replacements: 0, release: jest.fn(() => Promise.resolve()) };
  startPool = jest.fn(() => Promise.resolve(this.pool as unknown as Awaited<ReturnType<ModelLoader['startPool']>>));
  loadDetector = jest.fn((spec: { id: string }, _pool: LoadedPool, _options: unknown, _spinTwins?: boolean) => {
    const detector = new FakeDetector([
      { label: 'cat', class_id: 0, score: 0.9, box: { x1: 1, y1: 1, x2: 4, y2: 4 } },
      { label: 'dog', class_id: 1, score: 0.2, box: { x1: 2, y1: 2, x2: 6, y2: 6 } },
    ]);
    this.detectors.set(spec.id, detector);
    return Promise.resolve(detector as unknown as Detector);
  });
  loadOcr = jest.fn(() =>
    Promise.resolve({
      ...this.ocr,
      recognize: () =>
        Promise.resolve({
          texts: [{ text: 'EXIT', score: 0.8, box: { x1: 0, y1: 0, x2: 8, y2: 4 } }],
          inference_ms: 5,
          postprocess_ms: 1,
        }),
    } as unknown as LoadedTextReader),
  );
}

const detectorModel = (id: string) => ({
  id,
  family: 'yolox',
  file: `${id}.onnx`,
  sha256: 'a'.repeat(64),
  input: { width: 8, height: 8 },
  labels: 'labels.txt',
  license: 'Apache-2.0',
});

describe('PipelineService (fake models)', () => {
  let dir: string;
  let loader: FakeLoader;
  let readiness: ReadinessService;

  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'forgesyte-pipeline-service-'));
    writeFileSync(join(dir, 'labels.txt'), 'cat\ndog\n');
    for (const f of ['det.onnx', 'other.onnx', 'tdet.onnx', 'trec.onnx', 'keys.txt']) writeFileSync(join(dir, f), '');
    const manifest = {
      models: [
        detectorModel('det'),
        detectorModel('other'),
        { id: 'tdet', family: 'ppocr-det', file: 'tdet.onnx', sha256: 'b'.repeat(64), license: 'x' },
        {
          id: 'trec',
          family: 'ppocr-rec',
          file: 'trec.onnx',
          sha256: 'c'.repeat(64),
          dictionary: { file: 'keys.txt', sha256: 'd' },
          license: 'x',
        },
      ],
      pipelines: [
        {
          id: 'a',
          description: 'detect',
          nodes: [
            { id: 'decode', kind: 'decode' },
            { id: 'detect', kind: 'detect', model: 'det', inputs: ['decode'], score_threshold: 0.5 },
            { id: 'merge', kind: 'merge', inputs: ['detect'] },
          ],
        },
        {
          id: 'b',
          description: 'detect and read',
          nodes: [
            { id: 'decode', kind: 'decode' },
            { id: 'detect', kind: 'detect', model: 'det', inputs: ['decode'], score_threshold: 0.1 },
            { id: 'ocr', kind: 'ocr', det_model: 'tdet', rec_model: 'trec', inputs: ['decode'] },
            { id: 'merge', kind: 'merge', inputs: ['detect', 'ocr'] },
          ],
        },
        {
          id: 't',
          description: 'detect and track',
          nodes: [
            { id: 'decode', kind: 'decode' },
            { id: 'detect', kind: 'detect', model: 'det', inputs: ['decode'], score_threshold: 0.1 },
            { id: 'track', kind: 'track', inputs: ['detect'], confirm_frames: 2, report_threshold: 0.5 },
            { id: 'merge', kind: 'merge', inputs: ['track'] },
          ],
        },
        {
          id: 'unused',
          description: 'not in PIPELINES',
          nodes: [
            { id: 'decode', kind: 'decode' },
            { id: 'detect', kind: 'detect', model: 'other', inputs: ['decode'] },
            { id: 'merge', kind: 'merge', inputs: ['detect'] },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    loader = new FakeLoader();
    readiness = new ReadinessService();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The host's load as the service sees it: quiet unless a test says otherwise. */
  let host: { quiet: boolean; start: jest.Mock; stop: jest.Mock };
  beforeEach(() => {
    host = { quiet: true, start: jest.fn(), stop: jest.fn() };
  });

  function service(pipelines = 'a,b,t', env: Record<string, string> = {}): PipelineService {
    const registry = new Registry();
    const config = buildConfig({
      MODELS_MANIFEST: join(dir, 'manifest.json'),
      MODELS_DIR: dir,
      PIPELINES: pipelines,
      ...env,
    });
    return new PipelineService(
      config,
      readiness,
      new PipelineMetrics(
        new Counter({
          name: 'runs',
          help: 'h',
          labelNames: ['pipeline', 'priority', 'outcome'],
          registers: [registry],
        }),
        new Histogram({ name: 'secs', help: 'h', labelNames: ['pipeline', 'stage'], registers: [registry] }),
      ),
      loader,
      host as unknown as HostLoad,
    );
  }

  const ready = async () =>
    (await readiness
      .entries()
      .find(([name]) => name === 'models')![1]()) ?? 'ready';
  const frame = (width = 8, height = 8) => ({ data: Buffer.alloc(width * height * 3, 7), width, height });

  it('refuses a PIPELINES id the manifest does not define, naming the known ones', () => {
    expect(() => service('a,nope')).toThrow(/PIPELINES names 'nope'.*known: a, b, t, unused/);
  });

  it('loads each model the configured pipelines need once, and says ready only after', async () => {
    const s = service();
    await expect(ready()).resolves.toBe('models are loading');
    s.onModuleInit();
    await s.whenLoaded();
    expect(loader.startPool).toHaveBeenCalledTimes(1);
    expect(loader.loadDetector.mock.calls.map(([spec]) => spec.id)).toEqual(['det']);
    expect(loader.loadOcr).toHaveBeenCalledWith(
      { det: join(dir, 'tdet.onnx'), rec: join(dir, 'trec.onnx'), dictionary: join(dir, 'keys.txt') },
      expect.any(Object),
    );
    await expect(ready()).resolves.toBe('ready');
    loader.pool.problem = 'worker 0 exited';
    await expect(ready()).resolves.toBe('detection: worker 0 exited');
    await s.onApplicationShutdown();
    expect(loader.pool.close).toHaveBeenCalled();
  });

  it('reports a load failure through readiness and whenLoaded', async () => {
    rmSync(join(dir, 'det.onnx'));
    const s = service();
    s.onModuleInit();
    await expect(s.whenLoaded()).rejects.toThrow(/model det: .*det.onnx is missing/);
    await expect(ready()).resolves.toMatch(/^models failed to load/);
  });

  it('runs each node with its own thresholds and merges branches in manifest order', async () => {
    const s = service();
    s.onModuleInit();
    const a = await s.runOnRaw('a', 0, frame());
    expect(a.detections.map((d) => d.label)).toEqual(['cat']);
    expect(a.texts).toEqual([]);
    expect(a.timings_ms).toMatchObject({ inference: 2, postprocess: 3 });
    const b = await s.runOnRaw('b', 1, frame(), { priority: 'job' });
    expect(b.detections.map((d) => d.label)).toEqual(['cat', 'dog']);
    expect(b.texts.map((t) => t.text)).toEqual(['EXIT']);
    expect(b.timings_ms).toMatchObject({ inference: 7, postprocess: 4 });
    expect(loader.detectors.get('det')!.calls.map((c) => c.score)).toEqual([0.5, 0.1]);
  });

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('lets a lone frame spin only on a quiet host, with ORT_ALLOW_SPINNING=auto', async () => {
    const s = service('a,b,t', { ORT_ALLOW_SPINNING: 'auto' });
    s.onModuleInit();
    await s.whenLoaded();
    expect(host.start).toHaveBeenCalled();
    // Spinning twins are loaded for the detector (OCR alternates two sessions, whose spinning would overlap).
    expect(loader.loadDetector.mock.calls.map((call) => call[3])).toEqual([true]);
    const calls = loader.detectors.get('det')!.calls;
    const kinds = () => calls.map(({ alone, spin }) => ({ alone, spin }));
    await s.runOnRaw('a', 0, frame());
    await pause(SPIN_MIN_GAP_MS + 20);
    host.quiet = false;
    await s.runOnRaw('a', 1, frame());
    expect(kinds()).toEqual([
      { alone: true, spin: true },
      { alone: true, spin: false },
    ]);
    // Two frames at once: the second is not alone, so it does not spin either.
    host.quiet = true;
    await pause(SPIN_MIN_GAP_MS + 20);
    await Promise.all([s.runOnRaw('a', 2, frame()), s.runOnRaw('a', 3, frame())]);
    // A lone frame right after others: their threads may still spin, so it does not.
    await s.runOnRaw('a', 4, frame());
    expect(kinds().slice(2)).toEqual([
      { alone: true, spin: true },
      { alone: false, spin: false },
      { alone: true, spin: false },
    ]);
    // Detection and OCR of one frame run at once: neither is alone.
    await pause(SPIN_MIN_GAP_MS + 20);
    await s.runOnRaw('b', 5, frame());
    expect(calls.at(-1)).toMatchObject({ alone: false, spin: false });
    await s.onApplicationShutdown();
    expect(host.stop).toHaveBeenCalled();
  });

  it.each(['0', '1', ''])('never picks spinning twins with ORT_ALLOW_SPINNING=%p', async (setting) => {
    const s = service('a', { ORT_ALLOW_SPINNING: setting });
    s.onModuleInit();
    await s.runOnRaw('a', 0, frame());
    expect(host.start).not.toHaveBeenCalled();
    expect(loader.loadDetector.mock.calls.map((call) => call[3])).toEqual([false]);
    expect(loader.detectors.get('det')!.calls.map(({ alone, spin }) => ({ alone, spin }))).toEqual([
      { alone: true, spin: false },
    ]);
    await s.onApplicationShutdown();
  });

  it('describes pipelines from the manifest and refuses unknown ids and malformed frames', async () => {
    const s = service();
    expect(s.list().map((p) => [p.id, p.models])).toEqual([
      ['a', ['det']],
      ['b', ['det', 'tdet', 'trec']],
      ['t', ['det']],
    ]);
    expect(s.inputSize('a')).toEqual({ width: 8, height: 8 });
    expect(s.inputSize('b')).toEqual({ width: 1280, height: 1280 });
    // What clients are told to send is what jobs and cameras scale to.
    expect(s.list().map((p) => p.frame_size)).toEqual([s.inputSize('a'), s.inputSize('b'), s.inputSize('t')]);
    expect(() => s.inputSize('unused')).toThrow(UnknownPipelineError);
    await expect(s.runOnRaw('unused', 0, frame())).rejects.toThrow(UnknownPipelineError);
    await expect(s.runOnRaw('a', 0, { ...frame(), width: 9 })).rejects.toThrow(InvalidImageError);
  });

  describe('a tracking pipeline', () => {
    const movingFrame = (x: number) => {
      const f = frame(8, 8);
      f.data[0] = x;
      return f;
    };
    const door: LineSpec = { id: 'door', from: [30, 0], to: [30, 100] };

    it('tracks each scene in the order its frames were run, even when detection finishes out of order', async () => {
      const s = service();
      s.onModuleInit();
      const scene = s.createScene('t', { lines: [door], zones: [] })!;
      // Five frames at 10 fps run at once; later frames finish detection first.
      const xs = [0, 10, 20, 30, 40];
      const results = await Promise.all(
        xs.map((x, i) => s.runOnRaw('t', i, movingFrame(x), { priority: 'job', scene, timestampMs: i * 100 })),
      );
      const moving = results.map((r) => r.detections.find((d) => d.box.x1 === xs[results.indexOf(r)]));
      // Confirmed on its second frame; the weak dog (0.2, under report_threshold 0.5) is never reported.
      expect(moving.map((d) => d?.track_id)).toEqual([undefined, 2, 2, 2, 2]);
      expect(results.every((r) => !r.detections.some((d) => d.label === 'dog'))).toBe(true);
      // The static cat is confirmed on the same frame, first since it overlaps its own prediction best.
      expect(results[4]!.detections.find((d) => d.box.x1 === 1)?.track_id).toBe(1);
      // Bottom centre x: 20 -> 30 -> 40 over the vertical line x = 30 (d = (0, 100): left is positive) is `out`.
      expect(results.map((r) => r.lines)).toEqual([
        [{ id: 'door', in: 0, out: 0 }],
        [{ id: 'door', in: 0, out: 0 }],
        [{ id: 'door', in: 0, out: 0 }],
        [{ id: 'door', in: 0, out: 1 }],
        [{ id: 'door', in: 0, out: 1 }],
      ]);
      expect(results[3]!.events).toEqual([{ type: 'line_crossed', line_id: 'door', track_id: 2, direction: 'out' }]);
    });

    it('reports without track ids when run without a scene, and leaves non-tracking results unchanged', async () => {
      const s = service();
      s.onModuleInit();
      const alone = await s.runOnRaw('t', 0, movingFrame(10));
      expect(alone.detections.map((d) => d.track_id)).toEqual([undefined, undefined]);
      expect(alone).not.toHaveProperty('lines');
      const plain = await s.runOnRaw('a', 0, movingFrame(10));
      expect(Object.keys(plain)).toEqual(['image', 'detections', 'texts', 'timings_ms']);
    });

    it('refuses geometry a pipeline cannot count, and classes it cannot detect', () => {
      const s = service();
      expect(s.createScene('a', { lines: [], zones: [] })).toBeNull();
      expect(() => s.createScene('a', { lines: [door], zones: [] })).toThrow(InvalidGeometryError);
      expect(() => s.createScene('t', { lines: [{ ...door, classes: ['horse'] }], zones: [] })).toThrow(
        /does not detect the class horse/,
      );
      expect(s.createScene('t', { lines: [], zones: [] })).not.toBeNull();
      expect(s.tracks('t')).toBe(true);
      expect(s.tracks('a')).toBe(false);
    });
  });
});
