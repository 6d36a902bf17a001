import { type Point, type SceneGeometry } from '@forgesyte/contracts';
import { type Size } from './frame-capture';

/**
 * Lines and zones are drawn once, in the pixels of the frames sent when the drawing started (the draft's space), and
 * mapped from there: to the pixels of the frames a stream sends (what the server counts in), and to a result's
 * pixels for drawing over it. A different source or pipeline then changes the numbers, never the place.
 */
export function scalePoint(point: Point, from: Size, to: Size): Point {
  return [round(point[0] * (to.width / from.width)), round(point[1] * (to.height / from.height))];
}

export function scaleGeometry(geometry: SceneGeometry, from: Size, to: Size): SceneGeometry {
  if (sameSize(from, to) || from.width <= 0 || from.height <= 0) return geometry;
  // Hysteresis is a distance: scaled by the mean of the two factors.
  const factor = (to.width / from.width + to.height / from.height) / 2;
  return {
    lines: geometry.lines.map((line) => ({
      ...line,
      from: scalePoint(line.from, from, to),
      to: scalePoint(line.to, from, to),
      ...(line.hysteresis_px === undefined ? {} : { hysteresis_px: round(line.hysteresis_px * factor) }),
    })),
    zones: geometry.zones.map((zone) => ({ ...zone, points: zone.points.map((p) => scalePoint(p, from, to)) })),
  };
}

export function sameSize(a: Size, b: Size): boolean {
  return a.width === b.width && a.height === b.height;
}

/** Two decimals: sub-pixel enough, and short in a URL. */
function round(v: number): number {
  return Math.round(v * 100) / 100;
}
