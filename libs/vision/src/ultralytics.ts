import { type Candidate } from './boxes';

/**
 * Decodes an Ultralytics detect head output [1, 4 + C, N] (YOLOv8, YOLO11): channel-major, rows
 * cx, cy, w, h in input pixels, then C sigmoid-ed class scores, no objectness. Returns boxes in
 * input-tensor pixels whose best class score reaches `scoreThreshold`.
 */
export function decodeUltralytics(
  output: Float32Array,
  numClasses: number,
  anchors: number,
  scoreThreshold: number,
): Candidate[] {
  if (output.length !== (4 + numClasses) * anchors) {
    throw new RangeError(`Ultralytics output holds ${output.length} values, expected ${4 + numClasses} x ${anchors}`);
  }
  const found: Candidate[] = [];
  // Scores are laid out class by class; scanning per anchor keeps this a single pass without
  // allocating per-anchor state, and the strided reads stay cheap at N <= 8400.
  // Hot loop: the length check above keeps every read inside the output, so reads are asserted, not checked.
  for (let i = 0; i < anchors; i++) {
    let best = 0;
    let classId = -1;
    for (let c = 0, o = 4 * anchors + i; c < numClasses; c++, o += anchors) {
      const v = output[o]!;
      if (v > best) {
        best = v;
        classId = c;
      }
    }
    if (classId < 0 || best < scoreThreshold) continue;
    const cx = output[i]!;
    const cy = output[anchors + i]!;
    const w = output[2 * anchors + i]!;
    const h = output[3 * anchors + i]!;
    found.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score: best, classId });
  }
  return found;
}
