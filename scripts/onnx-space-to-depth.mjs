// Makes a copy of a YOLOX model whose "Focus" stem, as the exporter writes it,
//
//   four branches Slice(rows from 0 or 1, step 2) -> Slice(columns from 0 or 1, step 2), joined by Concat on
//   channels, read by one Conv
//
// is one SpaceToDepth (blocksize 2) node, with that Conv's weights reordered along their input channels to match:
// SpaceToDepth puts the block at row offset dy, column offset dx at position dy * 2 + dx, the exporter's Concat
// puts it wherever its inputs say (YOLOX: (0,0), (1,0), (0,1), (1,1)). The copy computes the same sums in another
// order (outputs agree within float rounding). onnxruntime runs one SpaceToDepth faster than eight strided Slices
// and a Concat. The Slices' now unread constants go; every other byte is copied, so the same source gives the
// same bytes and their sha256 can be pinned in the manifest.
import {
  intAttribute,
  intAttributeBytes,
  nodeBytes,
  orphans,
  readGraph,
  TENSOR_FLOAT,
  TENSOR_RAW_DATA,
  writeGraph,
} from './onnx-graph.mjs';
import { rewrite, rewriteGraph } from './onnx-wire.mjs';

/** A Slice of one axis from `start` to the end in steps of 2, as { axis, start, data }; undefined for anything else. */
function halfSlice(read, node) {
  if (node?.op !== 'Slice' || node.inputs.length !== 5) return undefined;
  const [data, starts, ends, axes, steps] = node.inputs.map((name, i) => (i === 0 ? name : read.constant(name)));
  const one = (t) => (t && t.values.length === 1 ? t.values[0] : undefined);
  const start = one(starts);
  // "To the end": exporters write INT64_MAX (or another value past any image size).
  const toEnd = one(ends) >= 2 ** 31 - 1;
  const axis = one(axes);
  if (one(steps) !== 2 || !toEnd || (start !== 0 && start !== 1)) return undefined;
  const normal = axis === -2 ? 2 : axis === -1 ? 3 : axis;
  return normal === 2 || normal === 3 ? { axis: normal, start, data } : undefined;
}

/** The focus stem read by `concat`: the image input, each Concat input's (dy, dx) and the nodes to remove. */
function focusOf(read, concat) {
  if (concat.op !== 'Concat' || concat.inputs.length !== 4 || intAttribute(concat, 'axis') !== 1) return undefined;
  const blocks = [];
  const nodes = [concat];
  let image;
  for (const name of concat.inputs) {
    const second = read.producer.get(name);
    const outer = halfSlice(read, second);
    const first = outer && read.onlyReader(name) === concat ? read.producer.get(outer.data) : undefined;
    const inner = halfSlice(read, first);
    if (!inner || inner.axis === outer.axis || read.onlyReader(outer.data) !== second) return undefined;
    if (image !== undefined && inner.data !== image) return undefined;
    image = inner.data;
    const start = { [inner.axis]: inner.start, [outer.axis]: outer.start };
    blocks.push({ dy: start[2], dx: start[3] });
    nodes.push(first, second);
  }
  if (!read.inputs.includes(image)) return undefined;
  const positions = blocks.map(({ dy, dx }) => dy * 2 + dx);
  if (new Set(positions).size !== 4) return undefined;
  return { image, positions, nodes };
}

/**
 * The Conv weight initializer (float, [out, 4 * c, kh, kw], raw_data) with its input channels moved from Concat
 * order to SpaceToDepth order: block `j` (c channels) goes to position `positions[j]`.
 */
function reorderWeights(payload, tensor, positions) {
  const [out, inChannels, kh, kw] = tensor.dims;
  const raw = tensor.fields.find((f) => f.field === TENSOR_RAW_DATA)?.payload;
  if (tensor.type !== TENSOR_FLOAT || tensor.dims.length !== 4 || inChannels % 4 !== 0 || !raw) return undefined;
  const c = inChannels / 4;
  const block = c * kh * kw * 4;
  const source = Buffer.from(raw);
  const target = Buffer.alloc(source.length);
  for (let o = 0; o < out; o++) {
    const base = o * inChannels * kh * kw * 4;
    for (const [j, p] of positions.entries()) {
      source.copy(target, base + p * block, base + j * block, base + (j + 1) * block);
    }
  }
  return rewrite(Buffer.from(payload), (f) => (f.field === TENSOR_RAW_DATA ? target : undefined));
}

/** Returns the bytes of the model with its focus stem as SpaceToDepth; a model without one is refused. */
export function spaceToDepthModel(bytes) {
  let found = 0;
  const out = rewriteGraph(bytes, (graph) => {
    const read = readGraph(graph);
    for (const concat of read.nodes) {
      const focus = focusOf(read, concat);
      if (!focus) continue;
      const conv = read.onlyReader(concat.outputs[0]);
      const weightName = conv?.op === 'Conv' ? conv.inputs[1] : undefined;
      const weights = weightName && read.initializers.get(weightName);
      const tensor = weights && read.constant(weightName);
      // The weights must be the Conv's alone: another reader would see them reordered.
      const reordered =
        tensor && read.readers.get(weightName).length === 1 && reorderWeights(weights, tensor, focus.positions);
      if (!reordered) continue;
      found++;
      const replace = new Map([
        [
          concat.index,
          nodeBytes({
            inputs: [focus.image],
            outputs: concat.outputs,
            name: `${concat.name || concat.outputs[0]}.space_to_depth`,
            op: 'SpaceToDepth',
            attributes: [intAttributeBytes('blocksize', 2)],
          }),
        ],
      ]);
      const removed = new Set(focus.nodes);
      const left = orphans(read, removed);
      const drop = new Set([...focus.nodes.filter((n) => n !== concat).map((n) => n.index), ...left.constantNodes]);
      const initializers = new Map([[weightName, reordered], ...left.initializers.map((name) => [name, null])]);
      return writeGraph(read, { replace, drop, initializers });
    }
    return graph;
  });
  if (found === 0) throw new Error('no focus stem (four strided Slice pairs, a Concat, a Conv) in the model');
  return out;
}
