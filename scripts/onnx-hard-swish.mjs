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
import { floatAttribute, floatAttributeBytes, nodeBytes, orphans, readGraph, writeGraph } from './onnx-graph.mjs';
import { rewriteGraph } from './onnx-wire.mjs';

/** Finds every hard-swish chain in `read` (see readGraph); returns the nodes to replace (by index) and to drop. */
function findChains(read) {
  const { nodes, producer, onlyReader, names } = read;
  const is = (name, value) => {
    const c = read.constant(name);
    return c?.type === 1 && c.values.length === 1 && c.values[0] === value;
  };
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
  const left = orphans(read, new Set([...drop, ...replace.keys()].map((i) => nodes[i])));
  for (const i of left.constantNodes) drop.add(i);
  const initializers = new Map(left.initializers.map((name) => [name, null]));
  return { replace, drop, initializers, chains: replace.size / 2 };
}

/**
 * Returns `{ bytes, chains }`: the model with every hard-swish chain as HardSigmoid x Mul, and how many there were.
 * `bytes` is a whole ModelProto; a model with none is refused (the manifest named the wrong file).
 */
export function hardSwishModel(bytes) {
  let chains = 0;
  const out = rewriteGraph(bytes, (graph) => {
    const read = readGraph(graph);
    const found = findChains(read);
    chains = found.chains;
    return writeGraph(read, found);
  });
  if (chains === 0) throw new Error('no hard-swish chain (Add 3, Clip 0..6, Mul, Div 6) in the model');
  return { bytes: out, chains };
}
