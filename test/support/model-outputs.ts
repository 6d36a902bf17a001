import { InferenceSession, type Tensor } from 'onnxruntime-node';

/** One thread, every graph optimisation: how the model-copy specs run a model and its copy. */
export const SESSION = { intraOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' } as const;

/** `length` values from a fixed seed, uniform in [offset, offset + scale). */
export function seeded(length: number, scale: number, offset = 0, seed = 11): Float32Array {
  let state = seed;
  return new Float32Array(length).map(() => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return (state / 2 ** 31) * scale + offset;
  });
}

/**
 * The first output of model `a` and of model `b` (a path or the bytes) on `feed`, of the same shape (checked): the
 * largest difference between them and the largest value of `a`'s.
 */
export async function compareOutputs(
  a: string | Uint8Array,
  b: string | Uint8Array,
  feed: Tensor,
): Promise<{ worst: number; largest: number }> {
  const outputs = [];
  for (const model of [a, b]) {
    const session = await InferenceSession.create(model as string, SESSION);
    try {
      outputs.push((await session.run({ [session.inputNames[0]!]: feed }))[session.outputNames[0]!]!);
    } finally {
      await session.release();
    }
  }
  const [x, y] = outputs;
  expect(y!.dims).toEqual(x!.dims);
  const p = x!.data as Float32Array;
  const q = y!.data as Float32Array;
  let worst = 0;
  let largest = 0;
  for (let i = 0; i < p.length; i++) {
    worst = Math.max(worst, Math.abs(p[i]! - q[i]!));
    largest = Math.max(largest, Math.abs(p[i]!));
  }
  return { worst, largest };
}
