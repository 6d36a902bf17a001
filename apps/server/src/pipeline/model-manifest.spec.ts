import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describePipeline, loadManifest } from './model-manifest';

const detector = {
  id: 'det',
  family: 'yolox',
  file: 'det.onnx',
  sha256: 'a'.repeat(64),
  input: { width: 416, height: 416 },
  labels: 'labels.txt',
  license: 'Apache-2.0',
};
const ocrDet = { id: 'tdet', family: 'ppocr-det', file: 't.onnx', sha256: 'b'.repeat(64), license: 'Apache-2.0' };

describe('loadManifest', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'forgesyte-manifest-spec-'));
    writeFileSync(join(dir, 'labels.txt'), 'cat\ndog\n\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function load(nodes: unknown[], models: unknown[] = [detector, ocrDet]) {
    const path = join(dir, 'manifest.json');
    writeFileSync(path, JSON.stringify({ models, pipelines: [{ id: 'p', description: 'd', nodes }] }));
    return loadManifest(path);
  }

  const decode = { id: 'decode', kind: 'decode' };
  const merge = { id: 'merge', kind: 'merge', inputs: ['detect'] };

  it('reads labels and fills threshold defaults', () => {
    const m = load([decode, { id: 'detect', kind: 'detect', model: 'det', inputs: ['decode'] }, merge]);
    expect(m.labels.get('det')).toEqual(['cat', 'dog']);
    expect(m.pipelines.get('p')!.nodes[1]).toMatchObject({ score_threshold: 0.25, iou_threshold: 0.45 });
    expect(describePipeline(m.pipelines.get('p')!, m)).toEqual({
      info: {
        id: 'p',
        description: 'd',
        models: ['det'],
        classes: ['cat', 'dog'],
        input_size: { width: 416, height: 416 },
        frame_size: { width: 416, height: 416 },
      },
      inputSize: { width: 416, height: 416 },
    });
  });

  it('gives a pipeline the frame size that holds what each of its nodes reads', () => {
    const wide = { ...detector, id: 'wide', input: { width: 640, height: 320 } };
    const twoDetectors = load(
      [
        decode,
        { id: 'detect', kind: 'detect', model: 'det', inputs: ['decode'] },
        { id: 'detect2', kind: 'detect', model: 'wide', inputs: ['decode'] },
        { id: 'merge', kind: 'merge', inputs: ['detect', 'detect2'] },
      ],
      [detector, wide, ocrDet],
    );
    const both = describePipeline(twoDetectors.pipelines.get('p')!, twoDetectors);
    // input_size stays the first detector's; the frame must fill the larger side of each.
    expect(both.info.input_size).toEqual({ width: 416, height: 416 });
    expect(both.info.frame_size).toEqual({ width: 640, height: 416 });
    expect(both.inputSize).toEqual(both.info.frame_size);
  });

  it.each([
    [[decode, { id: 'detect', kind: 'detect', model: 'nope', inputs: ['decode'] }, merge], /uses model nope/],
    [[decode, { id: 'detect', kind: 'detect', model: 'tdet', inputs: ['decode'] }, merge], /tdet is a ppocr-det model/],
    [[{ id: 'detect', kind: 'detect', model: 'det', inputs: ['decode'] }, decode, merge], /reads decode, not defined/],
    [[decode, { id: 'detect', kind: 'detect', model: 'det', inputs: ['decode'] }], /last node must be a merge/],
    [[decode, decode, merge], /used twice/],
    [[decode, { id: 'detect', kind: 'detect', model: 'det', inputs: ['decode'], score_threshold: 2 }, merge], /nodes/],
  ])('names the pipeline and the problem (%#)', (nodes, message) => {
    expect(() => load(nodes)).toThrow(message);
  });

  it('ships a manifest whose pipelines all load', () => {
    const m = loadManifest(resolve(__dirname, '..', '..', '..', '..', 'models', 'manifest.json'));
    expect([...m.pipelines.keys()]).toEqual(['yolo', 'ocr', 'yolo_ocr', 'yolo_track', 'yolo11n', 'yolov8n']);
    expect(m.labels.get('yolox_nano_coco_416')).toHaveLength(80);
    expect(describePipeline(m.pipelines.get('yolo_ocr')!, m).inputSize).toEqual({ width: 1280, height: 1280 });
    const frameSizes = [...m.pipelines.values()].map((p) => [p.id, describePipeline(p, m).info.frame_size]);
    expect(Object.fromEntries(frameSizes)).toEqual({
      yolo: { width: 416, height: 416 },
      ocr: { width: 1280, height: 1280 },
      yolo_ocr: { width: 1280, height: 1280 },
      yolo_track: { width: 416, height: 416 },
      yolo11n: { width: 320, height: 320 },
      yolov8n: { width: 640, height: 640 },
    });
  });
});
