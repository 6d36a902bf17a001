import { type Point } from '@forgesyte/contracts';
import { greedyAssign } from './assignment';
import { pointInPolygon, segmentsIntersect, signedDistance, stepLine, type CrossingState } from './scene-geometry';

// A horizontal line drawn left to right at y = 100: d = (200, 0), s = 200·(p.y − 100): positive below it.
const door = { from: [0, 100] as Point, to: [200, 100] as Point };

/** Walks a path of bottom centres over the door; returns the crossings counted. */
function walk(path: Point[], hysteresis = 8): ('in' | 'out')[] {
  let state: CrossingState = { side: 0, armed: false };
  let prev: Point | null = null;
  const out: ('in' | 'out')[] = [];
  for (const p of path) {
    const step = stepLine(state, prev, p, door, hysteresis);
    state = step.state;
    if (step.crossed) out.push(step.crossed);
    prev = p;
  }
  return out;
}

describe('line geometry', () => {
  it('signs sides as the contract says: s = d.x·(p.y − from.y) − d.y·(p.x − from.x), in pixels', () => {
    expect(signedDistance(door, [50, 130])).toBeCloseTo(30);
    expect(signedDistance(door, [50, 90])).toBeCloseTo(-10);
    // The same line drawn right to left swaps the sides.
    expect(signedDistance({ from: [200, 100], to: [0, 100] }, [50, 130])).toBeCloseTo(-30);
    // A vertical line drawn downwards: d = (0, 1), s = −(p.x − from.x): left is positive.
    expect(signedDistance({ from: [10, 0], to: [10, 50] }, [0, 20])).toBeCloseTo(10);
  });

  it('finds segment intersections, touching included', () => {
    expect(segmentsIntersect([50, 80], [50, 120], door.from, door.to)).toBe(true);
    expect(segmentsIntersect([250, 80], [250, 120], door.from, door.to)).toBe(false);
    expect(segmentsIntersect([50, 80], [50, 100], door.from, door.to)).toBe(true);
    expect(segmentsIntersect([50, 80], [60, 90], door.from, door.to)).toBe(false);
  });

  it('counts a crossing from negative to positive as in, and the way back as out', () => {
    expect(
      walk([
        [50, 60],
        [50, 90],
        [50, 110],
        [50, 140],
      ]),
    ).toEqual(['in']);
    expect(
      walk([
        [50, 140],
        [50, 60],
      ]),
    ).toEqual(['out']);
    // Back and forth: every real crossing counts once.
    expect(
      walk([
        [50, 60],
        [50, 140],
        [50, 60],
        [50, 140],
      ]),
    ).toEqual(['in', 'out', 'in']);
  });

  it('does not count jitter on the line, nor a dip across it that comes back', () => {
    expect(
      walk([
        [50, 60],
        [50, 97],
        [50, 103],
        [50, 96],
        [50, 104],
        [50, 99],
        [50, 60],
      ]),
    ).toEqual([]);
    expect(
      walk([
        [50, 60],
        [50, 97],
        [50, 103],
        [50, 96],
        [50, 104],
        [50, 120],
      ]),
    ).toEqual(['in']);
    expect(
      walk([
        [50, 60],
        [50, 105],
        [50, 60],
      ]),
    ).toEqual([]);
  });

  it('counts once the object is hysteresis_px beyond the line, not before', () => {
    let state: CrossingState = { side: -1, armed: false };
    state = stepLine(state, [50, 60], [50, 105], door, 10).state;
    expect(state).toEqual({ side: -1, armed: true });
    expect(stepLine(state, [50, 105], [50, 109], door, 10).crossed).toBeNull();
    expect(stepLine(state, [50, 105], [50, 110], door, 10).crossed).toBe('in');
  });

  it('ignores paths that pass beyond the end of the segment', () => {
    expect(
      walk([
        [250, 60],
        [250, 140],
      ]),
    ).toEqual([]);
    expect(
      walk([
        [250, 60],
        [250, 140],
        [150, 140],
      ]),
    ).toEqual([]);
  });

  it('counts a crossing across an occlusion gap (one long step)', () => {
    expect(
      walk([
        [20, 20],
        [180, 180],
      ]),
    ).toEqual(['in']);
  });
});

describe('pointInPolygon', () => {
  const bay: Point[] = [
    [0, 0],
    [100, 0],
    [100, 100],
    [50, 150],
    [0, 100],
  ];
  it.each([
    [[50, 50], true],
    [[50, 140], true],
    [[90, 140], false],
    [[-1, 50], false],
    [[150, 50], false],
  ] as [Point, boolean][])('%j inside: %s', (p, inside) => {
    expect(pointInPolygon(p, bay)).toBe(inside);
  });
});

describe('greedyAssign', () => {
  it('takes the best pairs first and leaves what is under the gate', () => {
    const result = greedyAssign(
      [
        [0.9, 0.8, 0],
        [0.85, 0.1, 0],
        [0, 0, 0.05],
      ],
      0.2,
    );
    // Row 1 would fit column 0 but row 0 took it; row 0 - column 1 is not tried since row 0 is taken.
    expect(result.pairs).toEqual([[0, 0]]);
    expect(result.rows).toEqual([1, 2]);
    expect(result.cols).toEqual([1, 2]);
  });
});
