import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor } from 'onnxruntime-node';
import { focusModel, nodesOf, runEdit, type Focus } from '../../scripts/onnx-spec-support';
import { MODELS_DIR } from '../support/app';
import { compareOutputs, seeded } from '../support/model-outputs';
import { YOLOX_NANO } from '../support/detector-model';

// The copy of YOLOX-Nano whose focus stem is one SpaceToDepth (scripts/onnx-space-to-depth.mjs) against the
// any-size copy it was made from, and hand-built focus stems against their rewrites, run by onnxruntime.

const ANY_SIZE = join(MODELS_DIR, 'yolox_nano_coco_416_any_size.onnx');

describe('the focus stem as SpaceToDepth', () => {
  it.each<[string, Focus['order']]>([
    [
      "YOLOX's",
      [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ],
    ],
    [
      'a reversed',
      [
        [1, 1],
        [0, 1],
        [1, 0],
        [0, 0],
      ],
    ],
  ])('computes what the slices compute, with %s block order', async (_name, order) => {
    const source = focusModel({ order });
    const copy = runEdit('onnx-space-to-depth.mjs', 'spaceToDepthModel', source).out!;
    expect(nodesOf(copy).map((n) => n.op)).toEqual(['SpaceToDepth', 'Conv']);
    const x = new Tensor('float32', seeded(3 * 4 * 6, 10, 0, 5), [1, 3, 4, 6]);
    // The same products summed in another order: equal up to float rounding of the largest output.
    const { worst, largest } = await compareOutputs(source, copy, x);
    expect(largest).toBeGreaterThan(100);
    expect(worst).toBeLessThanOrEqual(largest * 2 ** -20);
  });

  it.each([
    [416, 352],
    [416, 416],
    [256, 416],
  ])('YOLOX-Nano as the pipelines load it computes what the any-size copy computes at %ix%i', async (w, h) => {
    expect(YOLOX_NANO.path).toMatch(/_s2d\.onnx$/);
    const ops = nodesOf(readFileSync(YOLOX_NANO.path)).map((n) => n.op);
    expect(ops.filter((op) => op === 'Slice')).toHaveLength(0);
    expect(ops.filter((op) => op === 'SpaceToDepth')).toHaveLength(1);
    // Pixel values 0..255 as YOLOX takes them; outputs are box coordinates in pixels and scores.
    const feed = new Tensor('float32', seeded(3 * w * h, 255, 0, 5), [1, 3, h, w]);
    const { worst } = await compareOutputs(ANY_SIZE, YOLOX_NANO.path, feed);
    expect(worst).toBeLessThan(1e-3);
  });
});
