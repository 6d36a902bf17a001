// Reading and rewriting ONNX protobuf messages field by field (protobufjs's wire Reader and Writer), so a model
// edit copies every byte it does not mean to change. Field numbers come from the ONNX schema (onnx.proto).
import protobuf from 'protobufjs/minimal.js';

const { Reader, Writer } = protobuf;

export const WIRE_LEN = 2;
export const MODEL_GRAPH = 7;
export const GRAPH_NODE = 1;
export const GRAPH_INITIALIZER = 5;
export const GRAPH_INPUT = 11;
export const GRAPH_OUTPUT = 12;
export const GRAPH_VALUE_INFO = 13;

/** The fields of one message, in order, each with its raw bytes (tag included) and, for length-delimited ones, the payload. */
export function fields(bytes) {
  const reader = Reader.create(bytes);
  const out = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    let payload = null;
    if (wire === WIRE_LEN) payload = reader.bytes();
    else reader.skipType(wire);
    out.push({ field, wire, raw: bytes.subarray(start, reader.pos), payload });
  }
  return out;
}

/** One length-delimited field: tag, length, payload. */
export function lenField(field, payload) {
  const head = Writer.create()
    .uint32((field << 3) | WIRE_LEN)
    .uint32(payload.length)
    .finish();
  return Buffer.concat([head, payload]);
}

export function stringOf(payload) {
  return Buffer.from(payload).toString('utf8');
}

/** The strings of a repeated string field. */
export function stringsOf(message, field) {
  return fields(message)
    .filter((f) => f.field === field)
    .map((f) => stringOf(f.payload));
}

/** The numbers of a repeated integer field among `parsed` (the output of `fields`), packed or not. */
export function varintsOf(parsed, field) {
  const out = [];
  for (const f of parsed) {
    if (f.field !== field) continue;
    if (f.payload) {
      const reader = Reader.create(f.payload);
      while (reader.pos < reader.len) out.push(Number(reader.int64()));
    } else {
      const reader = Reader.create(f.raw);
      reader.uint32();
      out.push(Number(reader.int64()));
    }
  }
  return out;
}

/** Rewrites the length-delimited fields `edit` maps (returning null drops the field); the rest is copied. */
export function rewrite(bytes, edit) {
  const parts = [];
  for (const f of fields(bytes)) {
    const replaced = f.wire === WIRE_LEN ? edit(f) : undefined;
    if (replaced === undefined) parts.push(f.raw);
    else if (replaced !== null) parts.push(lenField(f.field, replaced));
  }
  return Buffer.concat(parts);
}

/** Rewrites the one graph of a ModelProto with `editGraph(graphBytes)`; a model with no graph or several is refused. */
export function rewriteGraph(model, editGraph) {
  let graphs = 0;
  const out = rewrite(Buffer.from(model), (g) => {
    if (g.field !== MODEL_GRAPH) return undefined;
    graphs++;
    return editGraph(g.payload);
  });
  if (graphs !== 1) throw new Error(`expected one graph in the model, found ${graphs}`);
  return out;
}

/** A new message from `build(writer)`, as a Buffer. */
export function message(build) {
  const writer = Writer.create();
  build(writer);
  return Buffer.from(writer.finish());
}
