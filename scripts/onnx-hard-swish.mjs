// Makes a copy of an ONNX model in which every hard-swish written out as four nodes,
//
//   a = Add(x, 3)   c = Clip(a, 0, 6)   m = Mul(x, c)   y = Div(m, 6)
//
// (as Paddle's exporter writes PP-OCR's activations), is two nodes: h = HardSigmoid(x, alpha 1/6, beta 0.5) and
// y = Mul(x, h). The two compute the same function (clip(x + 3, 0, 6) / 6 = clip(x / 6 + 0.5, 0, 1)); onnxruntime
// runs the short form faster on the CPU (two passes over the tensor instead of four). Only that exact shape is
// rewritten: the constants must be 3, 0, 6 and 6, and no intermediate may have another reader. The Constant nodes
// the rewrite leaves unread go; every other byte is copied, so the same source gives the same bytes and their
// sha256 can be pinned in the manifest.
import {
  fields,
  GRAPH_NODE,
  GRAPH_OUTPUT,
  message,
  rewriteGraph,
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
const ATTRIBUTE_TENSOR = 5;
const ATTRIBUTE_TYPE = 20;
const ATTRIBUTE_TYPE_FLOAT = 1;
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_FLOAT_DATA = 4;
const TENSOR_RAW_DATA = 9;
const TENSOR_FLOAT = 1;
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
function floatAttribute(node, name) {
  const attribute = attributeNamed(node, name);
  const f = attribute && fields(attribute).find((x) => x.field === ATTRIBUTE_FLOAT && x.wire === WIRE_FIXED32);
  return f ? Buffer.from(f.raw).readFloatLE(f.raw.length - 4) : undefined;
}

/** The value of a one-element float tensor (raw_data or float_data), or undefined for anything else. */
function scalarOfTensor(tensor) {
  const f = fields(tensor);
  if (varintsOf(f, TENSOR_DATA_TYPE).join() !== String(TENSOR_FLOAT)) return undefined;
  // A scalar has no dims, a one-element tensor only ones.
  if (!varintsOf(f, TENSOR_DIMS).every((d) => d === 1)) return undefined;
  const raw = f.find((x) => x.field === TENSOR_RAW_DATA);
  if (raw) return raw.payload.length === 4 ? Buffer.from(raw.payload).readFloatLE(0) : undefined;
  const data = f.find((x) => x.field === TENSOR_FLOAT_DATA);
  if (data?.payload) return data.payload.length === 4 ? Buffer.from(data.payload).readFloatLE(0) : undefined;
  if (data) return Buffer.from(data.raw).readFloatLE(data.raw.length - 4);
  return undefined;
}

/** The float a Constant node holds (`value` tensor or `value_float`), or undefined. */
function constantValue(node) {
  if (node?.op !== 'Constant') return undefined;
  const asFloat = floatAttribute(node, 'value_float');
  if (asFloat !== undefined) return asFloat;
  const value = attributeNamed(node, 'value');
  const tensor = value && fields(value).find((x) => x.field === ATTRIBUTE_TENSOR);
  return tensor ? scalarOfTensor(tensor.payload) : undefined;
}

function stringField(w, field, text) {
  w.uint32((field << 3) | 2).string(text);
}

function floatAttributeBytes(name, value) {
  return message((w) => {
    stringField(w, ATTRIBUTE_NAME, name);
    w.uint32((ATTRIBUTE_FLOAT << 3) | WIRE_FIXED32).float(value);
    w.uint32(ATTRIBUTE_TYPE << 3).uint32(ATTRIBUTE_TYPE_FLOAT);
  });
}

function nodeBytes({ inputs, outputs, name, op, attributes = [] }) {
  return message((w) => {
    for (const i of inputs) stringField(w, NODE_INPUT, i);
    for (const o of outputs) stringField(w, NODE_OUTPUT, o);
    stringField(w, NODE_NAME, name);
    stringField(w, NODE_OP_TYPE, op);
    for (const a of attributes) w.uint32((NODE_ATTRIBUTE << 3) | 2).bytes(a);
  });
}

/** Finds every hard-swish chain; returns the nodes to replace (by index) and to drop. */
function findChains(nodes, graphOutputs) {
  const producer = new Map();
  const readers = new Map();
  for (const node of nodes) {
    for (const o of node.outputs) producer.set(o, node);
    for (const i of node.inputs) if (i) readers.set(i, [...(readers.get(i) ?? []), node]);
  }
  const onlyReader = (name) => {
    const r = readers.get(name) ?? [];
    return r.length === 1 && !graphOutputs.has(name) ? r[0] : undefined;
  };
  const is = (name, value) => constantValue(producer.get(name)) === value;
  const names = new Set(nodes.flatMap((n) => [...n.inputs, ...n.outputs]));
  const replace = new Map();
  const drop = new Set();
  for (const clip of nodes) {
    if (clip.op !== 'Clip' || clip.outputs.length !== 1) continue;
    const add = producer.get(clip.inputs[0]);
    if (add?.op !== 'Add' || add.inputs.length !== 2 || onlyReader(add.outputs[0]) !== clip) continue;
    const x = is(add.inputs[1], 3) ? add.inputs[0] : is(add.inputs[0], 3) ? add.inputs[1] : undefined;
    if (x === undefined) continue;
    // Opset 11 on gives the bounds as inputs; before, as attributes.
    const bounds =
      clip.inputs.length === 3
        ? is(clip.inputs[1], 0) && is(clip.inputs[2], 6)
        : clip.inputs.length === 1 && floatAttribute(clip, 'min') === 0 && floatAttribute(clip, 'max') === 6;
    if (!bounds) continue;
    const mul = onlyReader(clip.outputs[0]);
    if (
      mul?.op !== 'Mul' ||
      mul.inputs.length !== 2 ||
      !mul.inputs.includes(x) ||
      !mul.inputs.includes(clip.outputs[0])
    )
      continue;
    const div = onlyReader(mul.outputs[0]);
    if (div?.op !== 'Div' || div.inputs[0] !== mul.outputs[0] || !is(div.inputs[1], 6)) continue;
    let gate = `${clip.outputs[0]}.hard_sigmoid`;
    while (names.has(gate)) gate += '_';
    names.add(gate);
    replace.set(
      add.index,
      nodeBytes({
        inputs: [x],
        outputs: [gate],
        name: `${clip.name || clip.outputs[0]}.hard_sigmoid`,
        op: 'HardSigmoid',
        attributes: [floatAttributeBytes('alpha', Math.fround(1 / 6)), floatAttributeBytes('beta', 0.5)],
      }),
    );
    replace.set(mul.index, nodeBytes({ inputs: [x, gate], outputs: div.outputs, name: mul.name, op: 'Mul' }));
    drop.add(clip.index).add(div.index);
  }
  // The constants only the replaced nodes read (3, the clip bounds, 6) go with them.
  const removed = new Set([...drop, ...replace.keys()].map((i) => nodes[i]));
  for (const node of nodes) {
    if (node.op !== 'Constant') continue;
    const r = readers.get(node.outputs[0]) ?? [];
    if (r.length > 0 && r.every((n) => removed.has(n)) && !graphOutputs.has(node.outputs[0])) drop.add(node.index);
  }
  return { replace, drop, chains: replace.size / 2 };
}

/**
 * Returns `{ bytes, chains }`: the model with every hard-swish chain as HardSigmoid x Mul, and how many there were.
 * `bytes` is a whole ModelProto; a model with none is refused (the manifest named the wrong file).
 */
export function hardSwishModel(bytes) {
  let chains = 0;
  const out = rewriteGraph(bytes, (graph) => {
    const graphFields = fields(graph);
    const graphOutputs = new Set(
      graphFields.filter((f) => f.field === GRAPH_OUTPUT).flatMap((f) => stringsOf(f.payload, VALUE_INFO_NAME)),
    );
    const nodes = graphFields
      .filter((f) => f.field === GRAPH_NODE)
      .map((f, index) => parseNode(f.raw, f.payload, index));
    const found = findChains(nodes, graphOutputs);
    chains = found.chains;
    const parts = [];
    let index = 0;
    for (const f of graphFields) {
      if (f.field !== GRAPH_NODE) {
        parts.push(f.raw);
        continue;
      }
      const i = index++;
      if (found.drop.has(i)) continue;
      const replaced = found.replace.get(i);
      parts.push(replaced ? message((w) => w.uint32((GRAPH_NODE << 3) | 2).bytes(replaced)) : f.raw);
    }
    return Buffer.concat(parts);
  });
  if (chains === 0) throw new Error('no hard-swish chain (Add 3, Clip 0..6, Mul, Div 6) in the model');
  return { bytes: out, chains };
}
