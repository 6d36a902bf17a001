import { type Point } from './geometry';

/** One 8-connected blob of set pixels in a binary mask. */
export interface Component {
  /** Number of pixels. */
  area: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /**
   * The leftmost and rightmost pixel centre of every row the blob covers. Their convex hull equals the hull of the
   * whole blob, so this is all a minimum-area rectangle needs, at two points per row instead of one per pixel.
   */
  extremes: Point[];
}

/** Scratch arrays for `findComponents`, kept between frames so labelling a map allocates nothing per pixel. */
export class ComponentScratch {
  visited = new Uint8Array(0);
  stack = new Int32Array(0);
  rowMin = new Int32Array(0);
  rowMax = new Int32Array(0);

  ensure(width: number, height: number): void {
    const n = width * height;
    if (this.visited.length < n) {
      this.visited = new Uint8Array(n);
      this.stack = new Int32Array(n);
    }
    if (this.rowMin.length < height) {
      this.rowMin = new Int32Array(height);
      this.rowMax = new Int32Array(height);
    }
  }
}

/**
 * Labels the 8-connected components of `mask` (non-zero = set) with an explicit-stack flood fill.
 * Stops after `maxComponents` blobs, in raster order of their first pixel.
 */
export function findComponents(
  mask: Uint8Array,
  width: number,
  height: number,
  maxComponents = Infinity,
  scratch = new ComponentScratch(),
): Component[] {
  scratch.ensure(width, height);
  const n = width * height;
  const { visited, stack, rowMin, rowMax } = scratch;
  visited.fill(0, 0, n);
  const out: Component[] = [];
  for (let start = 0; start < n && out.length < maxComponents; start++) {
    if (mask[start] === 0 || visited[start] !== 0) continue;
    let top = 0;
    stack[top++] = start;
    visited[start] = 1;
    const sy = (start / width) | 0;
    let y1 = sy;
    let y2 = sy;
    let x1 = width;
    let x2 = -1;
    let area = 0;
    rowMin[sy] = width;
    rowMax[sy] = -1;
    while (top > 0) {
      // Hot loop: idx comes from the stack below top, y and x from idx, so the reads are asserted, not checked.
      const idx = stack[--top]!;
      const y = (idx / width) | 0;
      const x = idx - y * width;
      area++;
      if (y < y1 || y > y2) {
        // A fill moves one row at a time, so a new row is always adjacent to the range seen so far.
        rowMin[y] = x;
        rowMax[y] = x;
        if (y < y1) y1 = y;
        if (y > y2) y2 = y;
      } else {
        if (x < rowMin[y]!) rowMin[y] = x;
        if (x > rowMax[y]!) rowMax[y] = x;
      }
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      const yFrom = y > 0 ? y - 1 : 0;
      const yTo = y < height - 1 ? y + 1 : height - 1;
      const xFrom = x > 0 ? x - 1 : 0;
      const xTo = x < width - 1 ? x + 1 : width - 1;
      for (let ny = yFrom; ny <= yTo; ny++) {
        const row = ny * width;
        for (let nx = xFrom; nx <= xTo; nx++) {
          const j = row + nx;
          if (mask[j] !== 0 && visited[j] === 0) {
            visited[j] = 1;
            stack[top++] = j;
          }
        }
      }
    }
    const extremes: Point[] = [];
    for (let y = y1; y <= y2; y++) {
      const min = rowMin[y]!; // y1..y2 are rows of the image
      const max = rowMax[y]!;
      if (max < min) continue;
      extremes.push([min, y]);
      if (max !== min) extremes.push([max, y]);
    }
    out.push({ area, x1, y1, x2, y2, extremes });
  }
  return out;
}
