/** A point as [x, y]. Quadrilaterals are four points, clockwise from top-left in image coordinates (y down). */
export type Point = [number, number];
export type Quad = [Point, Point, Point, Point];

/** A rotated rectangle: centre, side lengths and the direction (radians) of the `width` side. */
export interface RotatedRect {
  cx: number;
  cy: number;
  width: number;
  height: number;
  angle: number;
}

function cross(o: Point, a: Point, b: Point): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/** Whether the last two points of a hull chain and `p` fail to turn counter-clockwise (the chain must drop its last point). */
function bendsBack(chain: readonly Point[], p: Point): boolean {
  const o = chain.at(-2);
  const a = chain.at(-1);
  return o !== undefined && a !== undefined && cross(o, a, p) <= 0;
}

/** Calls `visit` for each edge of a closed polygon, in order: (p0, p1), (p1, p2), ..., (pn-1, p0). */
function forEachEdge(points: readonly Point[], visit: (a: Point, b: Point) => void): void {
  const first = points[0];
  if (first === undefined) return;
  let a = first;
  let started = false;
  for (const b of points) {
    if (started) visit(a, b);
    started = true;
    a = b;
  }
  visit(a, first);
}

/** Convex hull (Andrew's monotone chain), without collinear points. Order: clockwise on screen (y down). */
export function convexHull(points: readonly Point[]): Point[] {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return pts;
  const lower: Point[] = [];
  for (const p of pts) {
    while (bendsBack(lower, p)) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (const p of [...pts].reverse()) {
    while (bendsBack(upper, p)) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}

/**
 * Smallest-area enclosing rectangle (rotating calipers: one side of the optimum lies on a hull edge).
 * Hulls of text components are small (two points per pixel row at most), so the O(n^2) scan is cheap.
 */
export function minAreaRect(points: readonly Point[]): RotatedRect {
  const hull = convexHull(points);
  const [a, b] = hull;
  if (a === undefined) return { cx: 0, cy: 0, width: 0, height: 0, angle: 0 };
  if (b === undefined) return { cx: a[0], cy: a[1], width: 0, height: 0, angle: 0 };
  if (hull.length === 2) {
    return {
      cx: (a[0] + b[0]) / 2,
      cy: (a[1] + b[1]) / 2,
      width: Math.hypot(b[0] - a[0], b[1] - a[1]),
      height: 0,
      angle: Math.atan2(b[1] - a[1], b[0] - a[0]),
    };
  }
  let best: RotatedRect | null = null;
  let bestArea = Infinity;
  forEachEdge(hull, (p, q) => {
    const len = Math.hypot(q[0] - p[0], q[1] - p[1]);
    if (len === 0) return;
    const ux = (q[0] - p[0]) / len;
    const uy = (q[1] - p[1]) / len;
    let minU = Infinity;
    let maxU = -Infinity;
    let minV = Infinity;
    let maxV = -Infinity;
    for (const h of hull) {
      const dx = h[0] - p[0];
      const dy = h[1] - p[1];
      const u = dx * ux + dy * uy;
      const v = -dx * uy + dy * ux;
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea - 1e-9) {
      bestArea = area;
      const mu = (minU + maxU) / 2;
      const mv = (minV + maxV) / 2;
      best = {
        cx: p[0] + mu * ux - mv * uy,
        cy: p[1] + mu * uy + mv * ux,
        width: maxU - minU,
        height: maxV - minV,
        angle: Math.atan2(uy, ux),
      };
    }
  });
  return best ?? { cx: a[0], cy: a[1], width: 0, height: 0, angle: 0 };
}

/** The four corners of a rotated rectangle, ordered clockwise from top-left. */
export function rectCorners(r: RotatedRect): Quad {
  const c = Math.cos(r.angle);
  const s = Math.sin(r.angle);
  const hw = r.width / 2;
  const hh = r.height / 2;
  const corners: Quad = [
    [r.cx - hw * c + hh * s, r.cy - hw * s - hh * c],
    [r.cx + hw * c + hh * s, r.cy + hw * s - hh * c],
    [r.cx + hw * c - hh * s, r.cy + hw * s + hh * c],
    [r.cx - hw * c - hh * s, r.cy - hw * s + hh * c],
  ];
  return orderQuad(corners);
}

/**
 * Orders a convex quadrilateral clockwise (on screen) starting at the corner whose outgoing edge points most nearly
 * along +x: that edge is the top of the text, so crops read left to right whatever the tilt.
 */
export function orderQuad(points: Readonly<Quad>): Quad {
  const [p0, p1, p2, p3] = points;
  const cx = (p0[0] + p1[0] + p2[0] + p3[0]) / 4;
  const cy = (p0[1] + p1[1] + p2[1] + p3[1]) / 4;
  // atan2 grows clockwise on screen because y points down.
  const sorted: Quad = [p0, p1, p2, p3];
  sorted.sort((a, b) => Math.atan2(a[1] - cy, a[0] - cx) - Math.atan2(b[1] - cy, b[0] - cx));
  let start = 0;
  let startCorner = sorted[0];
  let bestCos = -Infinity;
  let i = 0;
  forEachEdge(sorted, (a, b) => {
    const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
    const cos = (b[0] - a[0]) / len;
    // Ties (a square at exactly 45 degrees) go to the corner nearer the top-left.
    if (cos > bestCos + 1e-9 || (Math.abs(cos - bestCos) <= 1e-9 && a[0] + a[1] < startCorner[0] + startCorner[1])) {
      bestCos = cos;
      start = i;
      startCorner = a;
    }
    i++;
  });
  const [q0, q1, q2, q3] = [...sorted.slice(start), ...sorted.slice(0, start)].map((p): Point => [p[0], p[1]]);
  return [q0, q1, q2, q3] as Quad;
}

export function polygonArea(points: readonly Point[]): number {
  let sum = 0;
  forEachEdge(points, (a, b) => {
    sum += a[0] * b[1] - b[0] * a[1];
  });
  return Math.abs(sum) / 2;
}

export function polygonPerimeter(points: readonly Point[]): number {
  let sum = 0;
  forEachEdge(points, (a, b) => {
    sum += Math.hypot(b[0] - a[0], b[1] - a[1]);
  });
  return sum;
}

/**
 * DB "unclip": the detector is trained on text regions shrunk by D = area * ratio / perimeter, so the found region is
 * grown back by the same D. PaddleOCR offsets the polygon with round joins and takes the min-area rectangle of the
 * result; for a rectangle that is exactly the rectangle with every side pushed out by D, which is what we compute.
 */
export function unclipRect(r: RotatedRect, ratio: number): RotatedRect {
  const perimeter = 2 * (r.width + r.height);
  if (perimeter === 0) return { ...r };
  const distance = (r.width * r.height * ratio) / perimeter;
  return { ...r, width: r.width + 2 * distance, height: r.height + 2 * distance };
}

export function quadBounds(q: readonly Point[]): { x1: number; y1: number; x2: number; y2: number } {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (const [x, y] of q) {
    if (x < x1) x1 = x;
    if (y < y1) y1 = y;
    if (x > x2) x2 = x;
    if (y > y2) y2 = y;
  }
  return { x1, y1, x2, y2 };
}
