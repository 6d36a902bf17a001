import {
  type Point,
  convexHull,
  minAreaRect,
  orderQuad,
  polygonArea,
  polygonPerimeter,
  quadBounds,
  rectCorners,
  unclipRect,
} from './geometry';

function rotate([x, y]: Point, angle: number): Point {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [x * c - y * s, x * s + y * c];
}

function expectPointsClose(actual: readonly Point[], expected: readonly Point[], digits = 6): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((p, i) => {
    expect(p[0]).toBeCloseTo(expected[i]?.[0] ?? NaN, digits);
    expect(p[1]).toBeCloseTo(expected[i]?.[1] ?? NaN, digits);
  });
}

describe('convexHull', () => {
  it('keeps only the corners of a square filled with interior and edge points', () => {
    const pts: Point[] = [];
    for (let y = 0; y <= 4; y++) for (let x = 0; x <= 4; x++) pts.push([x, y]);
    const hull = convexHull(pts);
    expect(hull).toHaveLength(4);
    expect(new Set(hull.map((p) => p.join(',')))).toEqual(new Set(['0,0', '4,0', '4,4', '0,4']));
  });

  it('returns fewer than three points unchanged', () => {
    expect(convexHull([[3, 1]])).toEqual([[3, 1]]);
    expect(convexHull([])).toEqual([]);
  });
});

describe('minAreaRect', () => {
  it('fits an axis-aligned rectangle of points exactly', () => {
    const pts: Point[] = [];
    for (let y = 10; y <= 30; y += 2) for (let x = 5; x <= 105; x += 5) pts.push([x, y]);
    const r = minAreaRect(pts);
    expect(r.cx).toBeCloseTo(55);
    expect(r.cy).toBeCloseTo(20);
    expect(Math.max(r.width, r.height)).toBeCloseTo(100);
    expect(Math.min(r.width, r.height)).toBeCloseTo(20);
  });

  it('finds the rotation of a tilted rectangle instead of its larger bounding box', () => {
    const angle = (25 * Math.PI) / 180;
    const pts: Point[] = [];
    for (let v = -10; v <= 10; v += 1) for (let u = -40; u <= 40; u += 2) pts.push(rotate([u, v], angle));
    const r = minAreaRect(pts);
    expect(r.width * r.height).toBeCloseTo(80 * 20, 6);
    expect(r.cx).toBeCloseTo(0);
    expect(r.cy).toBeCloseTo(0);
    const corners = rectCorners(r);
    expectPointsClose(corners, [
      rotate([-40, -10], angle),
      rotate([40, -10], angle),
      rotate([40, 10], angle),
      rotate([-40, 10], angle),
    ]);
  });

  it('degrades to a segment for collinear points', () => {
    const r = minAreaRect([
      [0, 0],
      [3, 4],
      [6, 8],
    ]);
    expect(r.width).toBeCloseTo(10);
    expect(r.height).toBe(0);
  });
});

describe('orderQuad', () => {
  it('orders shuffled corners of an upright box clockwise from top-left', () => {
    expect(
      orderQuad([
        [10, 50],
        [90, 10],
        [10, 10],
        [90, 50],
      ]),
    ).toEqual([
      [10, 10],
      [90, 10],
      [90, 50],
      [10, 50],
    ]);
  });

  it('starts a tilted box at the corner whose edge runs rightwards, whichever way it leans', () => {
    const up = orderQuad([
      rotate([-40, -10], -0.3),
      rotate([40, 10], -0.3),
      rotate([40, -10], -0.3),
      rotate([-40, 10], -0.3),
    ]);
    expectPointsClose(up, [
      rotate([-40, -10], -0.3),
      rotate([40, -10], -0.3),
      rotate([40, 10], -0.3),
      rotate([-40, 10], -0.3),
    ]);
    const down = orderQuad([
      rotate([40, 10], 0.3),
      rotate([-40, 10], 0.3),
      rotate([-40, -10], 0.3),
      rotate([40, -10], 0.3),
    ]);
    expectPointsClose(down, [
      rotate([-40, -10], 0.3),
      rotate([40, -10], 0.3),
      rotate([40, 10], 0.3),
      rotate([-40, 10], 0.3),
    ]);
  });
});

describe('unclipRect', () => {
  it('pushes every side out by area * ratio / perimeter', () => {
    // 100 x 20: area 2000, perimeter 240, distance 2000 * 1.5 / 240 = 12.5
    const grown = unclipRect({ cx: 50, cy: 10, width: 100, height: 20, angle: 0.2 }, 1.5);
    expect(grown.width).toBeCloseTo(125);
    expect(grown.height).toBeCloseTo(45);
    expect(grown.cx).toBe(50);
    expect(grown.angle).toBe(0.2);
  });

  it('leaves a degenerate rectangle alone', () => {
    expect(unclipRect({ cx: 1, cy: 1, width: 0, height: 0, angle: 0 }, 1.5).width).toBe(0);
  });
});

describe('polygon measures', () => {
  const square: Point[] = [
    [0, 0],
    [4, 0],
    [4, 3],
    [0, 3],
  ];
  it('computes area and perimeter whatever the winding', () => {
    expect(polygonArea(square)).toBe(12);
    expect(polygonArea([...square].reverse())).toBe(12);
    expect(polygonPerimeter(square)).toBe(14);
    expect(quadBounds(square)).toEqual({ x1: 0, y1: 0, x2: 4, y2: 3 });
  });
});
