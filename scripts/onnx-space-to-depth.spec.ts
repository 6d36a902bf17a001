import { fields, focusModel, FOCUS_WEIGHTS, nodesOf, runEdit, sub, text, type Focus } from './onnx-spec-support';

// A hand-built focus stem run through scripts/onnx-space-to-depth.mjs in a child process, read back field by field.
// Whether the result computes the same outputs is checked by running it (test/medium/space-to-depth-model).

const spaceToDepth = (bytes: Uint8Array) => runEdit('onnx-space-to-depth.mjs', 'spaceToDepthModel', bytes);

const YOLOX_ORDER: Focus['order'] = [
  [0, 0],
  [1, 0],
  [0, 1],
  [1, 1],
];

/** The graph's initializers: name and float values (raw_data) or the raw bytes' length for others. */
function initializersOf(model: Uint8Array): Record<string, number[]> {
  const graph = sub(model, 7)[0]!.payload!;
  return Object.fromEntries(
    sub(graph, 5).map(({ payload }) => {
      const raw = Buffer.from(sub(payload!, 9)[0]!.payload!);
      const type = fields(payload!)
        .find((f) => f.field === 2)!
        .raw.at(-1);
      const values = type === 1 ? Array.from({ length: raw.length / 4 }, (_, i) => raw.readFloatLE(i * 4)) : [];
      return [text(sub(payload!, 8)[0]!.payload!), values];
    }),
  );
}

/** FOCUS_WEIGHTS with each output's four 3-channel blocks taken in `from` order. */
function blocks(from: number[]): number[] {
  return [0, 1].flatMap((o) => from.flatMap((j) => FOCUS_WEIGHTS.slice(o * 12 + j * 3, o * 12 + j * 3 + 3)));
}

describe('onnx-space-to-depth.mjs', () => {
  it('makes the focus stem one SpaceToDepth, reorders the Conv weights to its block order and drops the slice constants', () => {
    const source = focusModel({ order: YOLOX_ORDER });
    const { out, stderr } = spaceToDepth(source);
    expect(stderr).toBe('');
    expect(nodesOf(out!)).toEqual([
      { op: 'SpaceToDepth', inputs: ['x'], outputs: ['focus'] },
      { op: 'Conv', inputs: ['focus', 'w'], outputs: ['y'] },
    ]);
    // SpaceToDepth's block (dy, dx) is at dy * 2 + dx: YOLOX's second Concat input, (1, 0), moves to position 2.
    expect(initializersOf(out!)).toEqual({ w: blocks([0, 2, 1, 3]) });
    expect(spaceToDepth(source).out).toEqual(out);
  });

  it('leaves the weights in place when the Concat order is already SpaceToDepth order', () => {
    const { out } = spaceToDepth(
      focusModel({
        order: [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ],
      }),
    );
    expect(initializersOf(out!)).toEqual({ w: FOCUS_WEIGHTS });
  });

  it.each([
    ['slices in steps of 3', { order: YOLOX_ORDER, step: 3 }],
    ['a block taken twice', { order: [...YOLOX_ORDER.slice(0, 3), [0, 0]] as Focus['order'] }],
    ['weights another node reads', { order: YOLOX_ORDER, weightsReadTwice: true }],
  ])('refuses a model with %s', (_name, focus) => {
    const { status, stderr } = spaceToDepth(focusModel(focus));
    expect(status).not.toBe(0);
    expect(stderr).toContain('no focus stem (four strided Slice pairs, a Concat, a Conv) in the model');
  });
});
