import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reader, Writer } from 'protobufjs/minimal';

// Small ONNX messages written field by field (numbers from onnx.proto) and read back the same way, for the specs of
// the model edits in this folder, and a way to run those edits (ES modules, as models.mjs that imports them).

export type Dim = number | string;

export function message(build: (w: Writer) => void): Uint8Array {
  const w = Writer.create();
  build(w);
  return w.finish();
}

export const len = (w: Writer, field: number, bytes: Uint8Array) => w.uint32((field << 3) | 2).bytes(bytes);
export const str = (w: Writer, field: number, text: string) => w.uint32((field << 3) | 2).string(text);
export const int = (w: Writer, field: number, value: number) => w.uint32(field << 3).int64(value);

/** A float tensor ValueInfoProto. */
export function valueInfo(name: string, dims: Dim[]): Uint8Array {
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

/** A NodeProto; `floats` are FLOAT attributes, `scalar` makes a Constant's `value` a float scalar tensor. */
export function node(
  op: string,
  inputs: string[],
  outputs: string[],
  { floats = {}, scalar }: { floats?: Record<string, number>; scalar?: number } = {},
): Uint8Array {
  return message((w) => {
    for (const i of inputs) str(w, 1, i);
    for (const o of outputs) str(w, 2, o);
    str(w, 3, `${op}_${outputs[0]}`);
    str(w, 4, op);
    for (const [name, value] of Object.entries(floats)) {
      len(
        w,
        5,
        message((a) => {
          str(a, 1, name);
          a.uint32((2 << 3) | 5).float(value);
          a.uint32(20 << 3).uint32(1); // type FLOAT
        }),
      );
    }
    if (scalar !== undefined) {
      const raw = Buffer.alloc(4);
      raw.writeFloatLE(scalar);
      const tensor = message((t) => {
        int(t, 2, 1); // data_type FLOAT, no dims: a scalar
        len(t, 9, raw);
      });
      len(
        w,
        5,
        message((a) => {
          str(a, 1, 'value');
          len(a, 5, tensor);
          a.uint32(20 << 3).uint32(4); // type TENSOR
        }),
      );
    }
  });
}

/** A ModelProto with one graph (`extra` writes more graph fields) at the given default-domain opset. */
export function model(
  nodes: Uint8Array[],
  inputs: Uint8Array[],
  outputs: Uint8Array[],
  { opset = 13, extra }: { opset?: number; extra?: (w: Writer) => void } = {},
): Uint8Array {
  const graph = message((w) => {
    for (const n of nodes) len(w, 1, n);
    str(w, 2, 'g');
    extra?.(w);
    for (const i of inputs) len(w, 11, i);
    for (const o of outputs) len(w, 12, o);
  });
  return message((w) => {
    int(w, 1, 7); // ir_version
    len(w, 7, graph);
    len(
      w,
      8,
      message((o) => int(o, 2, opset)),
    );
  });
}

export interface Field {
  field: number;
  raw: Uint8Array;
  payload: Uint8Array | null;
}

export function fields(bytes: Uint8Array): Field[] {
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

export const sub = (bytes: Uint8Array, field: number) => fields(bytes).filter((f) => f.field === field);
export const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

/** Name and dims of a ValueInfoProto. */
export function shapeOf(info: Uint8Array): { name: string; dims: Dim[] } {
  const name = text(sub(info, 1)[0]!.payload!);
  const tensor = sub(sub(info, 2)[0]!.payload!, 1)[0]!.payload!;
  const dims = sub(sub(tensor, 2)[0]!.payload!, 1).map(({ payload }) => {
    const [d] = fields(payload!);
    return d!.payload ? text(d!.payload) : Number(Reader.create(d!.raw.subarray(1)).int64());
  });
  return { name, dims };
}

/** The graph's nodes as op type, inputs and outputs. */
export function nodesOf(modelBytes: Uint8Array): { op: string; inputs: string[]; outputs: string[] }[] {
  const graph = sub(modelBytes, 7)[0]!.payload!;
  return sub(graph, 1).map(({ payload }) => ({
    op: text(sub(payload!, 4)[0]!.payload!),
    inputs: sub(payload!, 1).map((f) => text(f.payload!)),
    outputs: sub(payload!, 2).map((f) => text(f.payload!)),
  }));
}

/**
 * Runs `edit` (a function exported by `script`, taking and returning model bytes; `pick` names the field of a
 * returned object to write) on `bytes` in a child process.
 */
export function runEdit(
  script: string,
  edit: string,
  bytes: Uint8Array,
  pick = '',
): { status: number | null; out: Buffer | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-edit-'));
  try {
    writeFileSync(join(dir, 'in.onnx'), bytes);
    const code = `
      import { readFileSync, writeFileSync } from 'node:fs';
      import { ${edit} } from ${JSON.stringify(join(__dirname, script))};
      const result = ${edit}(readFileSync(process.argv[1]));
      writeFileSync(process.argv[2], ${pick ? `result.${pick}` : 'result'});`;
    const run = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', code, join(dir, 'in.onnx'), join(dir, 'out.onnx')],
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

export interface Chain {
  /** Prefix of every tensor name; the chain reads `${p}x` and writes `${p}y`. */
  p: string;
  opset?: number;
  add?: number;
  low?: number;
  high?: number;
  div?: number;
  /** Another node also reads the Clip's output. */
  clipReadTwice?: boolean;
}

/** A hard-swish chain: x -> Add(x, 3) -> Clip(0, 6) -> Mul(x, .) -> Div(., 6) -> y, written as Paddle's exporter writes it. */
export function chain({ p, opset = 11, add = 3, low = 0, high = 6, div = 6, clipReadTwice = false }: Chain) {
  const nodes = [
    node('Constant', [], [`${p}three`], { scalar: add }),
    node('Add', [`${p}x`, `${p}three`], [`${p}a`]),
    ...(opset >= 11
      ? [
          node('Constant', [], [`${p}low`], { scalar: low }),
          node('Constant', [], [`${p}high`], { scalar: high }),
          node('Clip', [`${p}a`, `${p}low`, `${p}high`], [`${p}c`]),
        ]
      : [node('Clip', [`${p}a`], [`${p}c`], { floats: { min: low, max: high } })]),
    node('Mul', [`${p}x`, `${p}c`], [`${p}m`]),
    node('Constant', [], [`${p}six`], { scalar: div }),
    node('Div', [`${p}m`, `${p}six`], [`${p}y`]),
  ];
  if (clipReadTwice) nodes.push(node('Relu', [`${p}c`], [`${p}r`]));
  return nodes;
}

/** A model of independent chains, each with its input `${p}x` [1, 8] and output `${p}y`. */
export function chainModel(chains: Chain[], opset = 11): Uint8Array {
  return model(
    chains.flatMap((c) => chain({ opset, ...c })),
    chains.map((c) => valueInfo(`${c.p}x`, [1, 8])),
    chains.flatMap((c) => [valueInfo(`${c.p}y`, [1, 8]), ...(c.clipReadTwice ? [valueInfo(`${c.p}r`, [1, 8])] : [])]),
    { opset },
  );
}

/** A TensorProto with its values in raw_data: FLOAT (1) or INT64 (7). */
export function tensor(name: string, dims: number[], type: 1 | 7, values: number[]): Uint8Array {
  const raw = Buffer.alloc(values.length * (type === 1 ? 4 : 8));
  values.forEach((v, i) => (type === 1 ? raw.writeFloatLE(v, i * 4) : raw.writeBigInt64LE(BigInt(v), i * 8)));
  return message((t) => {
    for (const d of dims) int(t, 1, d);
    int(t, 2, type);
    str(t, 8, name);
    len(t, 9, raw);
  });
}

export interface Focus {
  /** The (row, column) offset of each Concat input, in Concat order (YOLOX: [0,0], [1,0], [0,1], [1,1]). */
  order: [number, number][];
  /** The slices' step (2 makes a focus stem). */
  step?: number;
  /** Something else also reads the Conv's weights. */
  weightsReadTwice?: boolean;
}

/** Channels of the hand-built focus stem's input; the Conv has 2 outputs and a 1x1 kernel. */
export const FOCUS_WEIGHTS = Array.from({ length: 2 * 12 }, (_, i) => i + 1);

/**
 * x [1, 3, 4, 6] -> four branches Slice(rows) -> Slice(columns) -> Concat(axis 1) -> Conv(w [2, 12, 1, 1]) -> y,
 * the slice parameters in initializers, as YOLOX's exporter writes its focus stem.
 */
export function focusModel({ order, step = 2, weightsReadTwice = false }: Focus): Uint8Array {
  const initializers = [
    tensor('zero', [1], 7, [0]),
    tensor('one', [1], 7, [1]),
    tensor('end', [1], 7, [Number.MAX_SAFE_INTEGER]),
    tensor('rows', [1], 7, [2]),
    tensor('columns', [1], 7, [3]),
    tensor('step', [1], 7, [step]),
    tensor('w', [2, 12, 1, 1], 1, FOCUS_WEIGHTS),
  ];
  const start = (offset: number) => (offset === 0 ? 'zero' : 'one');
  const nodes = order.flatMap(([dy, dx], k) => [
    node('Slice', ['x', start(dy), 'end', 'rows', 'step'], [`r${k}`]),
    node('Slice', [`r${k}`, start(dx), 'end', 'columns', 'step'], [`b${k}`]),
  ]);
  nodes.push(
    message((w) => {
      for (let k = 0; k < order.length; k++) str(w, 1, `b${k}`);
      str(w, 2, 'focus');
      str(w, 3, 'Concat_0');
      str(w, 4, 'Concat');
      len(
        w,
        5,
        message((a) => {
          str(a, 1, 'axis');
          a.uint32(3 << 3).int64(1);
          a.uint32(20 << 3).uint32(2); // type INT
        }),
      );
    }),
    node('Conv', ['focus', 'w'], ['y']),
  );
  if (weightsReadTwice) nodes.push(node('Identity', ['w'], ['w_copy']));
  return model(
    nodes,
    [valueInfo('x', [1, 3, 4, 6])],
    [valueInfo('y', [1, 2, 2, 3]), ...(weightsReadTwice ? [valueInfo('w_copy', [2, 12, 1, 1])] : [])],
    { extra: (w) => initializers.forEach((t) => len(w, 5, t)) },
  );
}
