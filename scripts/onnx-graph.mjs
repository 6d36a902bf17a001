// An ONNX graph read node by node for the model edits in this folder (onnx-hard-swish.mjs,
// onnx-space-to-depth.mjs): who produces and who reads each tensor, constant and initializer values, new nodes
// and attributes, and a writer that copies every graph field the edit does not touch byte for byte. Field numbers
// come from the ONNX schema (onnx.proto).
import {
  fields,
  GRAPH_INITIALIZER,
  GRAPH_INPUT,
  GRAPH_NODE,
  GRAPH_OUTPUT,
  lenField,
  message,
  stringOf,
  stringsOf,
  varintsOf,
} from './onnx-wire.mjs';

const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_NAME = 3;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const NODE_DOMAIN = 7;
const ATTRIBUTE_NAME = 1;
const ATTRIBUTE_FLOAT = 2;
const ATTRIBUTE_INT = 3;
const ATTRIBUTE_TENSOR = 5;
const ATTRIBUTE_TYPE = 20;
const ATTRIBUTE_TYPE_FLOAT = 1;
const ATTRIBUTE_TYPE_INT = 2;
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_FLOAT_DATA = 4;
const TENSOR_INT64_DATA = 7;
const TENSOR_NAME = 8;
export const TENSOR_RAW_DATA = 9;
export const TENSOR_FLOAT = 1;
const TENSOR_INT64 = 7;
const VALUE_INFO_NAME = 1;
const WIRE_FIXED32 = 5;

function parseNode(raw, payload, index) {
  const f = fields(payload);
  const one = (field) => {
    const found = f.find((x) => x.field === field);
    return found ? stringOf(found.payload) : '';
  };
  const domain = one(NODE_DOMAIN);
  return {
    index,
    raw,
    inputs: stringsOf(payload, NODE_INPUT),
    outputs: stringsOf(payload, NODE_OUTPUT),
    name: one(NODE_NAME),
    // Only the default domain's operators are matched.
    op: domain === '' || domain === 'ai.onnx' ? one(NODE_OP_TYPE) : `${domain}.${one(NODE_OP_TYPE)}`,
    attributes: f.filter((x) => x.field === NODE_ATTRIBUTE).map((x) => x.payload),
  };
}

function attributeNamed(node, name) {
  return node.attributes.find((a) => fields(a).some((x) => x.field === ATTRIBUTE_NAME && stringOf(x.payload) === name));
}

/** The float in a FLOAT attribute (field f), or undefined. */
export function floatAttribute(node, name) {
  const attribute = attributeNamed(node, name);
  const f = attribute && fields(attribute).find((x) => x.field === ATTRIBUTE_FLOAT && x.wire === WIRE_FIXED32);
  return f ? Buffer.from(f.raw).readFloatLE(f.raw.length - 4) : undefined;
}

/** The integer in an INT attribute (field i), or undefined. */
export function intAttribute(node, name) {
  const attribute = attributeNamed(node, name);
  const values = attribute ? varintsOf(fields(attribute), ATTRIBUTE_INT) : [];
  return values.length === 1 ? values[0] : undefined;
}

/** A TensorProto's name, without decoding its values. */
function tensorName(payload) {
  const name = fields(payload).find((x) => x.field === TENSOR_NAME);
  return name ? stringOf(name.payload) : '';
}

/**
 * A tensor's shape, element type and values as numbers (FLOAT and INT64, from raw_data or the typed field), or
 * undefined for other types. INT64 values beyond 2^53 come out rounded, which "to the end" markers survive.
 */
export function tensorOf(payload) {
  const f = fields(payload);
  const [type] = varintsOf(f, TENSOR_DATA_TYPE);
  const dims = varintsOf(f, TENSOR_DIMS);
  const raw = f.find((x) => x.field === TENSOR_RAW_DATA)?.payload;
  const tensor = { name: tensorName(payload), type, dims, fields: f };
  if (type === TENSOR_FLOAT) {
    if (raw) {
      const bytes = Buffer.from(raw);
      return { ...tensor, values: Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4)) };
    }
    const packed = f.filter((x) => x.field === TENSOR_FLOAT_DATA);
    const values = packed.flatMap((x) => {
      const bytes = Buffer.from(x.payload ?? x.raw.subarray(x.raw.length - 4));
      return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    });
    return { ...tensor, values };
  }
  if (type === TENSOR_INT64) {
    if (raw) {
      const bytes = Buffer.from(raw);
      return {
        ...tensor,
        values: Array.from({ length: bytes.length / 8 }, (_, i) => Number(bytes.readBigInt64LE(i * 8))),
      };
    }
    return { ...tensor, values: varintsOf(f, TENSOR_INT64_DATA) };
  }
  return undefined;
}

/** The tensor a Constant node holds (`value`, or `value_float` as a float scalar), or undefined. */
function constantTensor(node) {
  if (node?.op !== 'Constant') return undefined;
  const asFloat = floatAttribute(node, 'value_float');
  if (asFloat !== undefined) return { type: TENSOR_FLOAT, dims: [], values: [asFloat] };
  const value = attributeNamed(node, 'value');
  const tensor = value && fields(value).find((x) => x.field === ATTRIBUTE_TENSOR);
  return tensor ? tensorOf(tensor.payload) : undefined;
}

function stringField(w, field, text) {
  w.uint32((field << 3) | 2).string(text);
}

export function floatAttributeBytes(name, value) {
  return message((w) => {
    stringField(w, ATTRIBUTE_NAME, name);
    w.uint32((ATTRIBUTE_FLOAT << 3) | WIRE_FIXED32).float(value);
    w.uint32(ATTRIBUTE_TYPE << 3).uint32(ATTRIBUTE_TYPE_FLOAT);
  });
}

export function intAttributeBytes(name, value) {
  return message((w) => {
    stringField(w, ATTRIBUTE_NAME, name);
    w.uint32(ATTRIBUTE_INT << 3).int64(value);
    w.uint32(ATTRIBUTE_TYPE << 3).uint32(ATTRIBUTE_TYPE_INT);
  });
}

/** A NodeProto of the default domain. */
export function nodeBytes({ inputs, outputs, name, op, attributes = [] }) {
  return message((w) => {
    for (const i of inputs) stringField(w, NODE_INPUT, i);
    for (const o of outputs) stringField(w, NODE_OUTPUT, o);
    stringField(w, NODE_NAME, name);
    stringField(w, NODE_OP_TYPE, op);
    for (const a of attributes) w.uint32((NODE_ATTRIBUTE << 3) | 2).bytes(a);
  });
}

/**
 * The graph read for an edit: its fields in order, its nodes (each with its index among the nodes), initializers
 * by name, the names of its inputs and outputs, each tensor's producer and readers, and every tensor name in use.
 */
export function readGraph(graph) {
  const graphFields = fields(graph);
  const nodes = graphFields.filter((f) => f.field === GRAPH_NODE).map((f, index) => parseNode(f.raw, f.payload, index));
  const initializers = new Map(
    graphFields.filter((f) => f.field === GRAPH_INITIALIZER).map((f) => [tensorName(f.payload), f.payload]),
  );
  const namesOf = (field) =>
    graphFields.filter((f) => f.field === field).flatMap((f) => stringsOf(f.payload, VALUE_INFO_NAME));
  const producer = new Map();
  const readers = new Map();
  for (const node of nodes) {
    for (const o of node.outputs) producer.set(o, node);
    for (const i of node.inputs) if (i) readers.set(i, [...(readers.get(i) ?? []), node]);
  }
  const outputs = new Set(namesOf(GRAPH_OUTPUT));
  return {
    fields: graphFields,
    nodes,
    initializers,
    inputs: namesOf(GRAPH_INPUT),
    outputs,
    producer,
    readers,
    names: new Set([...nodes.flatMap((n) => [...n.inputs, ...n.outputs]), ...initializers.keys()]),
    /** The one node that reads `name`, when nothing else (a graph output included) does. */
    onlyReader(name) {
      const r = readers.get(name) ?? [];
      return r.length === 1 && !outputs.has(name) ? r[0] : undefined;
    },
    /** The values of a constant tensor (a Constant node's or an initializer's), or undefined. */
    constant(name) {
      const payload = initializers.get(name);
      return payload ? tensorOf(payload) : constantTensor(producer.get(name));
    },
  };
}

/**
 * The graph's bytes with `replace` (node index -> NodeProto bytes) put in place of those nodes, the nodes in `drop`
 * left out, and initializers rewritten by `initializers` (name -> TensorProto bytes, or null to drop it, from the
 * inputs too where an older exporter lists it there). Everything else is copied as it was.
 */
export function writeGraph(read, { replace = new Map(), drop = new Set(), initializers = new Map() }) {
  const parts = [];
  let index = 0;
  for (const f of read.fields) {
    if (f.field === GRAPH_NODE) {
      const i = index++;
      if (drop.has(i)) continue;
      const replaced = replace.get(i);
      parts.push(replaced ? lenField(GRAPH_NODE, replaced) : f.raw);
    } else if (f.field === GRAPH_INITIALIZER || f.field === GRAPH_INPUT) {
      const name = f.field === GRAPH_INITIALIZER ? tensorName(f.payload) : stringsOf(f.payload, VALUE_INFO_NAME)[0];
      const edit = initializers.get(name);
      if (edit === null) continue;
      parts.push(edit && f.field === GRAPH_INITIALIZER ? lenField(GRAPH_INITIALIZER, edit) : f.raw);
    } else {
      parts.push(f.raw);
    }
  }
  return Buffer.concat(parts);
}

/** The Constant nodes and initializers that only `removed` nodes read: what an edit that removes them leaves unread. */
export function orphans(read, removed) {
  const gone = (name) => {
    const r = read.readers.get(name) ?? [];
    return r.length > 0 && r.every((n) => removed.has(n)) && !read.outputs.has(name);
  };
  return {
    constantNodes: read.nodes.filter((n) => n.op === 'Constant' && gone(n.outputs[0])).map((n) => n.index),
    initializers: [...read.initializers.keys()].filter(gone),
  };
}
