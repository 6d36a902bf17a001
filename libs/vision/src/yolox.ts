import { type Candidate } from './boxes';

export const YOLOX_STRIDES = [8, 16, 32] as const;

/**
 * Decodes a YOLOX head output [1, A, 5 + C]: per anchor tx, ty, tw, th, objectness, C class
 * scores (objectness and classes already sigmoid-ed), anchors ordered stride by stride, row-major
 * over each grid. Returns boxes in input-tensor pixels whose obj * best class score reaches
 * `scoreThreshold`.
 */
export function decodeYolox(
  output: Float32Array,
  inputWidth: number,
  inputHeight: number,
  numClasses: number,
  scoreThreshold: number,
  strides: readonly number[] = YOLOX_STRIDES,
): Candidate[] {
  const row = 5 + numClasses;
  let anchors = 0;
  for (const s of strides) anchors += Math.floor(inputWidth / s) * Math.floor(inputHeight / s);
  if (output.length !== anchors * row) {
    throw new RangeError(`YOLOX output holds ${output.length} values, expected ${anchors} anchors x ${row}`);
  }
  const found: Candidate[] = [];
  let a = 0;
  for (const stride of strides) {
    const gw = Math.floor(inputWidth / stride);
    const gh = Math.floor(inputHeight / stride);
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++, a++) {
        const o = a * row;
        // Hot loop: the length check above keeps every read inside the output, so reads are asserted, not checked.
        const obj = output[o + 4]!;
        // score = obj * class <= obj: most anchors are rejected without reading their classes.
        if (obj < scoreThreshold) continue;
        let best = 0;
        let classId = 0;
        for (let c = 0; c < numClasses; c++) {
          const v = output[o + 5 + c]!;
          if (v > best) {
            best = v;
            classId = c;
          }
        }
        const score = obj * best;
        if (score < scoreThreshold) continue;
        const cx = (output[o]! + gx) * stride;
        const cy = (output[o + 1]! + gy) * stride;
        const w = Math.exp(output[o + 2]!) * stride;
        const h = Math.exp(output[o + 3]!) * stride;
        found.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, classId });
      }
    }
  }
  return found;
}
