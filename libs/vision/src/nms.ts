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
  for (let i = 0; i < sorted.length && kept.length < maxDetections; i++) {
    if (suppressed[i]) continue;
    const best = sorted[i];
    kept.push(best);
    for (let j = i + 1; j < sorted.length; j++) {
      if (!suppressed[j] && sorted[j].classId === best.classId && iou(best, sorted[j]) > iouThreshold)
        suppressed[j] = 1;
    }
  }
  return kept;
}
