// Makes a copy of an ONNX model whose image input takes any height and width: the input's last two
// dimensions become named (free) instead of fixed numbers, the outputs lose their recorded shapes (the
// anchor count follows the input size: each dimension gets a name of its own, the rank stays), and the graph's recorded intermediate shapes (`value_info`,
// hints an exporter left for one input size) are dropped. Every other byte is copied as it is, so the
// result is the same for the same source file and its sha256 can be pinned in the manifest.
//
// This only edits what the file declares: whether the graph really computes at other sizes (no
// size-dependent constants) is checked by running it (apps/server/test medium tier).
import { readGraph } from './onnx-graph.mjs';
import {
  fields,
  GRAPH_INPUT,
  GRAPH_OUTPUT,
  GRAPH_VALUE_INFO,
  lenField,
  rewrite,
  rewriteGraph,
  stringsOf,
} from './onnx-wire.mjs';

const VALUE_INFO_NAME = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_PARAM = 2;

const nameOf = (valueInfo) => stringsOf(valueInfo, VALUE_INFO_NAME)[0] ?? '';

/** The tensor shape inside a ValueInfoProto, rewritten by `editShape`. */
function rewriteShape(valueInfo, editShape) {
  return rewrite(valueInfo, (f) =>
    f.field !== VALUE_INFO_TYPE
      ? undefined
      : rewrite(f.payload, (t) =>
          t.field !== TYPE_TENSOR
            ? undefined
            : rewrite(t.payload, (s) => (s.field !== TENSOR_SHAPE ? undefined : editShape(s.payload))),
        ),
  );
}

/** Replaces the dimensions `nameOf(index)` names (a string) by that name; the others are copied. */
function nameDims(shape, nameOf) {
  let index = 0;
  return rewrite(shape, (f) => {
    if (f.field !== SHAPE_DIM) return undefined;
    const param = nameOf(index++);
    return param === undefined ? undefined : lenField(DIM_PARAM, Buffer.from(param, 'utf8'));
  });
}

/** Names the last two dimensions of a rank-4 (NCHW) shape `height` and `width`; other ranks are refused. */
function freeImageDims(shape, inputName) {
  const rank = fields(shape).filter((f) => f.field === SHAPE_DIM).length;
  if (rank !== 4) throw new Error(`input ${inputName} has ${rank} dimensions; an NCHW image input has 4`);
  return nameDims(shape, (i) => ({ 2: 'height', 3: 'width' })[i]);
}

/**
 * Returns the bytes of the model with the image input's height and width free. `bytes` is a whole ModelProto;
 * the image inputs are the graph inputs that no initializer feeds (older exporters list weights as inputs too).
 */
export function anySizeModel(bytes) {
  let inputs = 0;
  const out = rewriteGraph(bytes, (graph) => {
    const weights = readGraph(graph).initializers;
    return rewrite(graph, (f) => {
      if (f.field === GRAPH_VALUE_INFO) return null;
      if (f.field === GRAPH_OUTPUT) {
        const name = nameOf(f.payload);
        return rewriteShape(f.payload, (shape) => nameDims(shape, (i) => `${name}_${i}`));
      }
      if (f.field !== GRAPH_INPUT) return undefined;
      const name = nameOf(f.payload);
      if (weights.has(name)) return undefined;
      inputs++;
      return rewriteShape(f.payload, (shape) => freeImageDims(shape, name));
    });
  });
  if (inputs !== 1) throw new Error(`expected one image input, found ${inputs}`);
  return out;
}
