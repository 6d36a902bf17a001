/** An axis-aligned box with a class and a score, in whatever pixel space the caller is in. */
export interface Candidate {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  classId: number;
}

export function area(b: Pick<Candidate, 'x1' | 'y1' | 'x2' | 'y2'>): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

/** Intersection over union; 0 for boxes that do not touch or have no area. */
export function iou(
  a: Pick<Candidate, 'x1' | 'y1' | 'x2' | 'y2'>,
  b: Pick<Candidate, 'x1' | 'y1' | 'x2' | 'y2'>,
): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}
