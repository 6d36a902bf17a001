import { iou, type Candidate } from './boxes';

/**
 * Greedy non-maximum suppression within each class: a box only suppresses boxes of its own
 * class, so a person and the bicycle they ride both survive. Returns at most `maxDetections`
 * boxes, best first.
 */
export function nms(candidates: readonly Candidate[], iouThreshold: number, maxDetections = 300): Candidate[] {
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  const kept: Candidate[] = [];
  const suppressed = new Uint8Array(sorted.length);
  for (const [i, best] of sorted.entries()) {
    if (kept.length >= maxDetections) break;
    if (suppressed[i]) continue;
    kept.push(best);
    for (let j = i + 1; j < sorted.length; j++) {
      const other = sorted[j]!; // j < sorted.length
      if (!suppressed[j] && other.classId === best.classId && iou(best, other) > iouThreshold) suppressed[j] = 1;
    }
  }
  return kept;
}
