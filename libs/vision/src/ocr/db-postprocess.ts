import { ComponentScratch, findComponents } from './components';
import { type Point, type Quad, minAreaRect, rectCorners, unclipRect } from './geometry';

/** Differentiable Binarization post-processing settings; defaults are PaddleOCR's for PP-OCRv4 detection. */
export interface DbOptions {
  /** Probability above which a pixel counts as text. */
  thresh: number;
  /** Minimum mean probability inside a candidate rectangle. */
  boxThresh: number;
  /** How far shrunk regions are grown back (see `unclipRect`). */
  unclipRatio: number;
  /** Shortest rectangle side, in map pixels, worth keeping. */
  minSize: number;
  maxCandidates: number;
}

export const DEFAULT_DB_OPTIONS: DbOptions = {
  thresh: 0.3,
  boxThresh: 0.6,
  unclipRatio: 1.5,
  minSize: 3,
  maxCandidates: 1000,
};

export interface TextRegion {
  /** Clockwise from top-left, in source-image pixels. */
  quad: Quad;
  /** Mean text probability inside the region before unclipping. */
  score: number;
}

/** Scratch memory for `dbPostprocess`, reused across frames. */
export class DbScratch {
  mask = new Uint8Array(0);
  readonly components = new ComponentScratch();
}

function cross(a: Point, b: Point): number {
  return a[0] * b[1] - b[0] * a[1];
}

/** The unit normal (times `sign`) of the edge a -> b and its offset: [nx, ny, c] with nx * x + ny * y + c = 0 on it. */
function edgeNormal(a: Point, b: Point, sign: number): [number, number, number] {
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
  const nx = (-(b[1] - a[1]) / len) * sign;
  const ny = ((b[0] - a[0]) / len) * sign;
  return [nx, ny, -(nx * a[0] + ny * a[1])];
}

/**
 * Mean of `prob` over the map pixels whose centres lie inside the convex quad (with half a pixel of slack, like a
 * filled polygon that includes its outline). Only the quad's bounding box is scanned.
 */
export function meanInsideQuad(prob: Float32Array, width: number, height: number, quad: Readonly<Quad>): number {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of quad) {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  const x0 = Math.max(0, Math.floor(minX));
  const x1 = Math.min(width - 1, Math.ceil(maxX));
  const y0 = Math.max(0, Math.floor(minY));
  const y1 = Math.min(height - 1, Math.ceil(maxY));
  const [q0, q1, q2, q3] = quad;
  const orientation = cross(q0, q1) + cross(q1, q2) + cross(q2, q3) + cross(q3, q0);
  const sign = orientation >= 0 ? 1 : -1;
  // Edge normals, oriented so that the inside is where every signed distance is >= -0.5.
  const [nx0, ny0, nc0] = edgeNormal(q0, q1, sign);
  const [nx1, ny1, nc1] = edgeNormal(q1, q2, sign);
  const [nx2, ny2, nc2] = edgeNormal(q2, q3, sign);
  const [nx3, ny3, nc3] = edgeNormal(q3, q0, sign);
  let sum = 0;
  let count = 0;
  for (let y = y0; y <= y1; y++) {
    const row = y * width;
    for (let x = x0; x <= x1; x++) {
      if (
        nx0 * x + ny0 * y + nc0 >= -0.5 &&
        nx1 * x + ny1 * y + nc1 >= -0.5 &&
        nx2 * x + ny2 * y + nc2 >= -0.5 &&
        nx3 * x + ny3 * y + nc3 >= -0.5
      ) {
        // In bounds: x and y are clamped to the map above.
        sum += prob[row + x] ?? 0;
        count++;
      }
    }
  }
  return count > 0 ? sum / count : 0;
}

/**
 * Turns a DB probability map (`mapWidth` x `mapHeight`) into text quadrilaterals in source-image pixels: binarise,
 * find blobs, fit rotated rectangles, score them on the map, grow them back and scale them to the source size.
 */
export function dbPostprocess(
  prob: Float32Array,
  mapWidth: number,
  mapHeight: number,
  sourceWidth: number,
  sourceHeight: number,
  options: Partial<DbOptions> = {},
  scratch = new DbScratch(),
): TextRegion[] {
  const o = { ...DEFAULT_DB_OPTIONS, ...options };
  const n = mapWidth * mapHeight;
  if (scratch.mask.length < n) scratch.mask = new Uint8Array(n);
  const mask = scratch.mask;
  for (let i = 0; i < n; i++) mask[i] = (prob[i] ?? 0) > o.thresh ? 1 : 0;
  const components = findComponents(mask, mapWidth, mapHeight, o.maxCandidates, scratch.components);
  const sx = sourceWidth / mapWidth;
  const sy = sourceHeight / mapHeight;
  const regions: TextRegion[] = [];
  for (const c of components) {
    const rect = minAreaRect(c.extremes);
    if (Math.min(rect.width, rect.height) < o.minSize) continue;
    const score = meanInsideQuad(prob, mapWidth, mapHeight, rectCorners(rect));
    if (score < o.boxThresh) continue;
    const grown = unclipRect(rect, o.unclipRatio);
    if (Math.min(grown.width, grown.height) < o.minSize + 2) continue;
    // Map pixel i covers [i, i + 1): its centre is i + 0.5 in map units.
    const quad = rectCorners(grown).map(([x, y]): Point => [
      clamp((x + 0.5) * sx, 0, sourceWidth),
      clamp((y + 0.5) * sy, 0, sourceHeight),
    ]) as Quad;
    if (edge(quad[0], quad[1]) <= 3 || edge(quad[0], quad[3]) <= 3) continue;
    regions.push({ quad, score });
  }
  return regions;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function edge(a: Point, b: Point): number {
  return Math.hypot(b[0] - a[0], b[1] - a[1]);
}
