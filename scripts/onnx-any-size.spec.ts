import { fields, int, len, message, runEdit, shapeOf, str, valueInfo, type Dim } from './onnx-spec-support';

// A small ModelProto written field by field (numbers from onnx.proto), run through scripts/onnx-any-size.mjs in a
// child process, and read back field by field.

const NODE = message((w) => {
  str(w, 1, 'images');
  str(w, 1, 'w');
  str(w, 2, 'y');
  str(w, 4, 'Conv');
});
const WEIGHT_INPUT = valueInfo('w', [8, 3, 3, 3]);

function model(imageDims: Dim[]): Uint8Array {
  const graph = message((w) => {
    len(w, 1, NODE);
    str(w, 2, 'g');
    len(
      w,
      5,
      message((t) => {
        for (const d of [8, 3, 3, 3]) int(t, 1, d);
        int(t, 2, 1);
        str(t, 8, 'w');
      }),
    );
    len(w, 11, valueInfo('images', imageDims));
    len(w, 11, WEIGHT_INPUT);
    len(w, 12, valueInfo('y', [1, 8, 416, 416]));
    len(w, 13, valueInfo('mid', [1, 8, 208, 208]));
  });
  return message((w) => {
    int(w, 1, 7); // ir_version
    len(w, 7, graph);
  });
}

const anySize = (bytes: Uint8Array) => runEdit('onnx-any-size.mjs', 'anySizeModel', bytes);

describe('onnx-any-size.mjs', () => {
  it('frees the image input height and width, names the output dims, drops value_info and keeps the rest', () => {
    const source = model([1, 3, 416, 416]);
    const { out, stderr } = anySize(source);
    expect(stderr).toBe('');
    const top = fields(out!);
    expect(top.map((f) => f.field)).toEqual([1, 7]);
    expect(top[0]!.raw).toEqual(fields(source)[0]!.raw);
    const graph = fields(top[1]!.payload!);
    expect(graph.map((f) => f.field)).toEqual([1, 2, 5, 11, 11, 12]);
    expect(graph[0]!.payload).toEqual(NODE);
    expect(shapeOf(graph[3]!.payload!)).toEqual({ name: 'images', dims: [1, 3, 'height', 'width'] });
    // A weight listed among the inputs (older exporters) is not an image input: copied as it was.
    expect(graph[4]!.payload).toEqual(WEIGHT_INPUT);
    expect(shapeOf(graph[5]!.payload!)).toEqual({ name: 'y', dims: ['y_0', 'y_1', 'y_2', 'y_3'] });
    // The same source gives the same bytes (the manifest pins them).
    expect(anySize(source).out).toEqual(out);
  });

  it('refuses a model whose image input is not NCHW', () => {
    const { status, stderr } = anySize(model([1, 416, 416]));
    expect(status).not.toBe(0);
    expect(stderr).toContain('input images has 3 dimensions; an NCHW image input has 4');
  });
});
