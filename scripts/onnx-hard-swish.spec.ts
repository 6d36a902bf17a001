import { chainModel, fields, nodesOf, runEdit, sub, text } from './onnx-spec-support';

// Hand-built models with hard-swish chains run through scripts/onnx-hard-swish.mjs in a child process, read back node
// by node. Whether the result computes the same function is checked by running it (test/medium/hard-swish-model).

const hardSwish = (bytes: Uint8Array) => runEdit('onnx-hard-swish.mjs', 'hardSwishModel', bytes, 'bytes');

/** FLOAT attributes of the graph's nodes of type `op`, by name. */
function floatsOf(bytes: Uint8Array, op: string): Record<string, number>[] {
  const graph = sub(bytes, 7)[0]!.payload!;
  return sub(graph, 1)
    .filter(({ payload }) => text(sub(payload!, 4)[0]!.payload!) === op)
    .map(({ payload }) =>
      Object.fromEntries(
        sub(payload!, 5).map(({ payload: a }) => {
          const f = fields(a!).find((x) => x.field === 2)!;
          return [text(sub(a!, 1)[0]!.payload!), Buffer.from(f.raw).readFloatLE(1)];
        }),
      ),
    );
}

describe('onnx-hard-swish.mjs', () => {
  it.each([11, 9])('rewrites the chain as HardSigmoid(x) and Mul(x, .) and drops its constants (opset %i)', (opset) => {
    const source = chainModel([{ p: '' }], opset);
    const { out, stderr } = hardSwish(source);
    expect(stderr).toBe('');
    expect(nodesOf(out!)).toEqual([
      { op: 'HardSigmoid', inputs: ['x'], outputs: ['c.hard_sigmoid'] },
      { op: 'Mul', inputs: ['x', 'c.hard_sigmoid'], outputs: ['y'] },
    ]);
    expect(floatsOf(out!, 'HardSigmoid')).toEqual([{ alpha: Math.fround(1 / 6), beta: 0.5 }]);
    // Inputs, outputs, the model's other fields: as they were. The same source gives the same bytes.
    const graph = (bytes: Uint8Array) =>
      sub(sub(bytes, 7)[0]!.payload!, 11).concat(sub(sub(bytes, 7)[0]!.payload!, 12));
    expect(graph(out!).map((f) => f.raw)).toEqual(graph(source).map((f) => f.raw));
    expect(sub(out!, 8)).toEqual(sub(source, 8));
    expect(hardSwish(source).out).toEqual(out);
  });

  it.each([
    ['an Add of 2', { add: 2 }],
    ['a Clip to 0..5', { high: 5 }],
    ['a Clip from -1', { low: -1 }],
    ['a Div by 5', { div: 5 }],
    ['a Clip output read twice', { clipReadTwice: true }],
  ])('leaves a chain with %s as it is, next to one it rewrites', (_name, miss) => {
    const source = chainModel([{ p: 'ok.' }, { p: 'miss.', ...miss }]);
    const { out, stderr } = hardSwish(source);
    expect(stderr).toBe('');
    const missNodes = (bytes: Uint8Array) => nodesOf(bytes).filter((n) => n.outputs[0]!.startsWith('miss.'));
    expect(missNodes(out!)).toEqual(missNodes(source));
    expect(nodesOf(out!).filter((n) => !n.outputs[0]!.startsWith('miss.'))).toEqual([
      { op: 'HardSigmoid', inputs: ['ok.x'], outputs: ['ok.c.hard_sigmoid'] },
      { op: 'Mul', inputs: ['ok.x', 'ok.c.hard_sigmoid'], outputs: ['ok.y'] },
    ]);
  });

  it('refuses a model with no chain to rewrite', () => {
    const { status, stderr } = hardSwish(chainModel([{ p: '', div: 5 }]));
    expect(status).not.toBe(0);
    expect(stderr).toContain('no hard-swish chain (Add 3, Clip 0..6, Mul, Div 6) in the model');
  });
});
