import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { chainModel, nodesOf, runEdit } from '../../scripts/onnx-spec-support';
import { MODELS_DIR } from '../support/app';
import { compareOutputs, seeded, SESSION } from '../support/model-outputs';

// The copies of the PP-OCRv4 files that `npm run models` makes with each hard-swish chain as HardSigmoid x Mul
// (scripts/onnx-hard-swish.mjs) against the files they were made from, run by onnxruntime.

/** `values` through a one-chain model (input x [1, 8]), eight at a time. */
async function runChain(bytes: Uint8Array, values: Float32Array): Promise<Float32Array> {
  const session = await InferenceSession.create(bytes, SESSION);
  try {
    const out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i += 8) {
      const y = (await session.run({ x: new Tensor('float32', values.slice(i, i + 8), [1, 8]) })).y!;
      out.set(y.data as Float32Array, i);
    }
    return out;
  } finally {
    await session.release();
  }
}

describe('hard-swish chains as HardSigmoid x Mul', () => {
  it.each([9, 11])('compute the same values from -8 to 8 (opset %i)', async (opset) => {
    const source = chainModel([{ p: '' }], opset);
    const copy = runEdit('onnx-hard-swish.mjs', 'hardSwishModel', source, 'bytes').out!;
    expect(nodesOf(copy).map((n) => n.op)).toEqual(['HardSigmoid', 'Mul']);
    // -8, -3 (where the gate opens), 0, 3 (where it saturates), 8 and values between.
    const x = new Float32Array([-8, -3.5, -3, -2.9, -1, 0, 0.5, 2.9, 3, 3.1, 8, 7.25, -0.01, 1.5, 4, -4]);
    const [want, got] = await Promise.all([source, copy].map((bytes) => runChain(bytes, x)));
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      expect(want![i]).toBeCloseTo((v * Math.min(Math.max(v + 3, 0), 6)) / 6, 5);
      expect(Math.abs(got![i]! - want![i]!)).toBeLessThanOrEqual(1e-6);
    }
  });

  it.each([
    ['det', 'ch_PP-OCRv4_det_infer', [1, 3, 320, 480]],
    ['rec', 'ch_PP-OCRv4_rec_infer', [2, 3, 48, 320]],
  ])('the PP-OCRv4 %s copy computes what its upstream file computes', async (_kind, name, dims) => {
    const upstream = join(MODELS_DIR, `${name}.onnx`);
    const copy = join(MODELS_DIR, `${name}_hard_swish.onnx`);
    const ops = (file: string) => nodesOf(readFileSync(file)).map((n) => n.op);
    const count = (list: string[], op: string) => list.filter((o) => o === op).length;
    const [before, after] = [ops(upstream), ops(copy)];
    expect(count(before, 'Clip')).toBeGreaterThan(20);
    expect(count(after, 'Clip')).toBe(0);
    expect(count(after, 'HardSigmoid')).toBe(count(before, 'HardSigmoid') + count(before, 'Clip'));
    // Normalised image values, as the OCR engine feeds them.
    const size = dims.reduce((a, b) => a * b, 1);
    const { worst } = await compareOutputs(upstream, copy, new Tensor('float32', seeded(size, 2, -1), dims));
    expect(worst).toBeLessThan(1e-4);
  });
});
