import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reader, Writer } from 'protobufjs/minimal';

// A small ModelProto written field by field (numbers from onnx.proto), run through scripts/onnx-any-size.mjs in a
// child process (the script is an ES module, as models.mjs that imports it), and read back field by field.

type Dim = number | string;

function message(build: (w: Writer) => void): Uint8Array {
  const w = Writer.create();
  build(w);
  return w.finish();
}

const len = (w: Writer, field: number, bytes: Uint8Array) => w.uint32((field << 3) | 2).bytes(bytes);
const str = (w: Writer, field: number, text: string) => w.uint32((field << 3) | 2).string(text);
const int = (w: Writer, field: number, value: number) => w.uint32(field << 3).int64(value);

function valueInfo(name: string, dims: Dim[]): Uint8Array {
  const shape = message((w) => {
    for (const d of dims) {
      len(
        w,
        1,
        message((dim) => (typeof d === 'number' ? int(dim, 1, d) : str(dim, 2, d))),
      );
    }
  });
  const tensor = message((w) => {
    int(w, 1, 1); // elem_type FLOAT
    len(w, 2, shape);
  });
  return message((w) => {
    str(w, 1, name);
    len(
      w,
      2,
      message((t) => len(t, 1, tensor)),
    );
  });
}

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

interface Field {
  field: number;
  raw: Uint8Array;
  payload: Uint8Array | null;
}

function fields(bytes: Uint8Array): Field[] {
  const r = Reader.create(bytes);
  const out: Field[] = [];
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    const payload = (tag & 7) === 2 ? r.bytes() : (r.skipType(tag & 7), null);
    out.push({ field: tag >>> 3, raw: bytes.subarray(start, r.pos), payload });
  }
  return out;
}

const sub = (bytes: Uint8Array, field: number) => fields(bytes).filter((f) => f.field === field);
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

/** Name and dims of a ValueInfoProto. */
function shapeOf(info: Uint8Array): { name: string; dims: Dim[] } {
  const name = text(sub(info, 1)[0]!.payload!);
  const tensor = sub(sub(info, 2)[0]!.payload!, 1)[0]!.payload!;
  const dims = sub(sub(tensor, 2)[0]!.payload!, 1).map(({ payload }) => {
    const [d] = fields(payload!);
    return d!.payload ? text(d!.payload) : Number(Reader.create(d!.raw.subarray(1)).int64());
  });
  return { name, dims };
}

function anySize(bytes: Uint8Array): { status: number | null; out: Buffer | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-any-size-'));
  try {
    writeFileSync(join(dir, 'in.onnx'), bytes);
    const script = `
      import { readFileSync, writeFileSync } from 'node:fs';
      import { anySizeModel } from ${JSON.stringify(join(__dirname, 'onnx-any-size.mjs'))};
      writeFileSync(process.argv[2], anySizeModel(readFileSync(process.argv[1])));`;
    const run = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', script, join(dir, 'in.onnx'), join(dir, 'out.onnx')],
      { encoding: 'utf8' },
    );
    return {
      status: run.status,
      out: run.status === 0 ? readFileSync(join(dir, 'out.onnx')) : null,
      stderr: run.stderr,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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
