import { type LineSpec, type Point } from '@forgesyte/contracts';

/**
 * The side of `p` relative to a line: s = d.x·(p.y − from.y) − d.y·(p.x − from.x) with d = to − from, divided by
 * |d| so it is a signed distance in pixels. Image axes (x right, y down): `in` is a change from negative to positive.
 */
export function signedDistance(line: Pick<LineSpec, 'from' | 'to'>, p: Point): number {
  const dx = line.to[0] - line.from[0];
  const dy = line.to[1] - line.from[1];
  return (dx * (p[1] - line.from[1]) - dy * (p[0] - line.from[0])) / Math.hypot(dx, dy);
}

function orient(a: Point, b: Point, c: Point): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

function onSegment(a: Point, b: Point, p: Point): boolean {
  return (
    Math.min(a[0], b[0]) <= p[0] &&
    p[0] <= Math.max(a[0], b[0]) &&
    Math.min(a[1], b[1]) <= p[1] &&
    p[1] <= Math.max(a[1], b[1])
  );
}

/** Whether segments p1-p2 and q1-q2 meet (touching counts). */
export function segmentsIntersect(p1: Point, p2: Point, q1: Point, q2: Point): boolean {
  const d1 = orient(q1, q2, p1);
  const d2 = orient(q1, q2, p2);
  const d3 = orient(p1, p2, q1);
  const d4 = orient(p1, p2, q2);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  return (
    (d1 === 0 && onSegment(q1, q2, p1)) ||
    (d2 === 0 && onSegment(q1, q2, p2)) ||
    (d3 === 0 && onSegment(p1, p2, q1)) ||
    (d4 === 0 && onSegment(p1, p2, q2))
  );
}

/** Even-odd rule; a point exactly on an edge may fall either way. */
export function pointInPolygon(p: Point, polygon: Point[]): boolean {
  let inside = false;
  polygon.forEach(([xi, yi], i) => {
    const [xj, yj] = polygon[i === 0 ? polygon.length - 1 : i - 1]!;
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  });
  return inside;
}

/**
 * Where one object stands with one line: `side` is the side it was last at least the hysteresis beyond (or, before
 * that ever happened, the side it was first seen on; 0 if exactly on the line), and `armed` says that its path has
 * met the segment since.
 */
export interface CrossingState {
  side: -1 | 0 | 1;
  armed: boolean;
}

/**
 * One step of an object from `prev` (null: first seen) to `cur`. A crossing counts when the path has met the
 * segment and the object is now at least `hysteresis` beyond the line on the other side from `side`: jitter on
 * the line never counts, and each real crossing counts once, back and forth included.
 */
export function stepLine(
  state: CrossingState,
  prev: Point | null,
  cur: Point,
  line: Pick<LineSpec, 'from' | 'to'>,
  hysteresis: number,
): { state: CrossingState; crossed: 'in' | 'out' | null } {
  const dist = signedDistance(line, cur);
  const armed = state.armed || (prev !== null && segmentsIntersect(prev, cur, line.from, line.to));
  if (Math.abs(dist) >= hysteresis && dist !== 0) {
    const side = dist > 0 ? 1 : -1;
    const crossed = armed && state.side !== 0 && side !== state.side ? (side > 0 ? 'in' : 'out') : null;
    return { state: { side, armed: false }, crossed };
  }
  const side = state.side !== 0 ? state.side : dist > 0 ? 1 : dist < 0 ? -1 : 0;
  return { state: { side, armed }, crossed: null };
}
