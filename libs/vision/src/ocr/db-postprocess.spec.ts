import { dbPostprocess, meanInsideQuad } from './db-postprocess';
import { type Point, type Quad } from './geometry';

/** A probability map with rectangles of given probability painted on a near-zero background. */
function map(width: number, height: number, rects: [number, number, number, number, number][]): Float32Array {
  const prob = new Float32Array(width * height).fill(0.01);
  for (const [x1, y1, x2, y2, p] of rects) {
    for (let y = y1; y <= y2; y++) for (let x = x1; x <= x2; x++) prob[y * width + x] = p;
  }
  return prob;
}

describe('meanInsideQuad', () => {
  it('averages the pixels whose centres are inside', () => {
    const prob = map(10, 10, [[2, 2, 5, 3, 1]]);
    const quad: Quad = [
      [2, 2],
      [5, 2],
      [5, 3],
      [2, 3],
    ];
    expect(meanInsideQuad(prob, 10, 10, quad)).toBeCloseTo(1);
    const wider: Quad = [
      [0, 2],
      [5, 2],
      [5, 3],
      [0, 3],
    ];
    // 6 columns x 2 rows, 8 of them painted
    expect(meanInsideQuad(prob, 10, 10, wider)).toBeCloseTo((8 + 4 * 0.01) / 12);
  });
});

describe('dbPostprocess', () => {
  it('turns a confident rectangle into an unclipped quad in source pixels', () => {
    // Blob columns 10..49, rows 20..29: pixel centres span 39 x 9 on the map.
    const prob = map(80, 60, [[10, 20, 49, 29, 0.9]]);
    const regions = dbPostprocess(prob, 80, 60, 160, 120);
    expect(regions).toHaveLength(1);
    expect(regions[0]?.score).toBeCloseTo(0.9, 5);
    // Unclip distance 39 * 9 * 1.5 / (2 * 48) = 5.484375 map pixels on each side.
    const d = (39 * 9 * 1.5) / 96;
    const x1 = (10 - d + 0.5) * 2;
    const x2 = (49 + d + 0.5) * 2;
    const y1 = (20 - d + 0.5) * 2;
    const y2 = (29 + d + 0.5) * 2;
    const q = regions[0]?.quad;
    const corners: Point[] = [
      [x1, y1],
      [x2, y1],
      [x2, y2],
      [x1, y2],
    ];
    corners.forEach(([ex, ey], i) => {
      expect(q?.[i]?.[0]).toBeCloseTo(ex, 4);
      expect(q?.[i]?.[1]).toBeCloseTo(ey, 4);
    });
  });

  it('drops blobs that are too faint, too thin, or below the binarisation threshold', () => {
    const prob = map(100, 60, [
      [5, 5, 40, 15, 0.5], // above thresh 0.3 but mean below box thresh 0.6
      [5, 30, 60, 31, 0.95], // two pixels tall: shorter than min size 3
      [70, 30, 95, 50, 0.25], // never binarised
    ]);
    expect(dbPostprocess(prob, 100, 60, 100, 60)).toEqual([]);
  });

  it('keeps each of several lines, clipped to the image', () => {
    const prob = map(64, 32, [
      [0, 2, 30, 8, 0.8],
      [10, 20, 63, 28, 0.95],
    ]);
    const regions = dbPostprocess(prob, 64, 32, 64, 32);
    expect(regions).toHaveLength(2);
    for (const r of regions) {
      for (const [x, y] of r.quad) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(64);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(32);
      }
    }
    expect(regions.map((r) => Math.round(r.score * 100))).toEqual([80, 95]);
  });

  it('follows the tilt of a slanted line', () => {
    const width = 120;
    const height = 80;
    const prob = new Float32Array(width * height);
    const angle = (15 * Math.PI) / 180;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const dx = x - 60;
        const dy = y - 40;
        const u = dx * Math.cos(angle) + dy * Math.sin(angle);
        const v = -dx * Math.sin(angle) + dy * Math.cos(angle);
        prob[y * width + x] = Math.abs(u) <= 40 && Math.abs(v) <= 6 ? 0.9 : 0.02;
      }
    }
    const [r] = dbPostprocess(prob, width, height, width, height);
    if (!r) throw new Error('no region found');
    const [p0, p1, , p3] = r.quad;
    expect(Math.atan2(p1[1] - p0[1], p1[0] - p0[0])).toBeCloseTo(angle, 1);
    expect(Math.hypot(p1[0] - p0[0], p1[1] - p0[1])).toBeGreaterThan(Math.hypot(p3[0] - p0[0], p3[1] - p0[1]) * 3);
  });
});
