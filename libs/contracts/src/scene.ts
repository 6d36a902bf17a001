/**
 * Lines and zones of a scene, and what a tracking pipeline reports about them. The same JSON everywhere: job submit
 * fields `lines` / `zones`, camera fields, and the live stream's `lines=` / `zones=` query parameters.
 */

/** A point in the pixels of the source image: x right, y down. */
export type Point = [number, number];

/** A counting line. `in` counts objects whose side changes from negative to positive (see docs/API.md). */
export interface LineSpec {
  id: string;
  from: Point;
  to: Point;
  /** Only these labels count; omitted: every tracked object. */
  classes?: string[];
  /** A crossing counts once the object is at least this far beyond the line (default DEFAULT_HYSTERESIS_PX). */
  hysteresis_px?: number;
}

/** A polygon zone; an object is in it when its box's bottom centre is. */
export interface ZoneSpec {
  id: string;
  points: Point[];
  classes?: string[];
}

export interface SceneGeometry {
  lines: LineSpec[];
  zones: ZoneSpec[];
}

/** Cumulative counts of one line for the session, camera or job. */
export interface LineCount {
  id: string;
  in: number;
  out: number;
}

/** Who is in one zone now. */
export interface ZoneCount {
  id: string;
  count: number;
  track_ids: number[];
}

export type SceneEvent =
  | { type: 'line_crossed'; line_id: string; track_id: number; direction: 'in' | 'out' }
  | { type: 'zone_entered' | 'zone_left'; zone_id: string; track_id: number };

export const DEFAULT_HYSTERESIS_PX = 8;
export const SCENE_LIMITS = { lines: 32, zones: 32, points: 256, coordinate: 100_000 } as const;

export type GeometryParse = { ok: true; geometry: SceneGeometry } | { ok: false; detail: string };

/**
 * The one validator of lines and zones: JSON text or already-parsed arrays (omitted, null or '' means none).
 * Refuses unknown fields, bad coordinates, degenerate lines and polygons, and duplicate ids, naming the entry.
 */
export function parseSceneGeometry(input: { lines?: unknown; zones?: unknown }): GeometryParse {
  try {
    const lines = list(input.lines, 'lines', SCENE_LIMITS.lines).map((raw, i) => parseLine(raw, `lines[${i}]`));
    const zones = list(input.zones, 'zones', SCENE_LIMITS.zones).map((raw, i) => parseZone(raw, `zones[${i}]`));
    unique(lines, 'lines');
    unique(zones, 'zones');
    return { ok: true, geometry: { lines, zones } };
  } catch (error) {
    if (error instanceof GeometryError) return { ok: false, detail: error.message };
    throw error;
  }
}

/** Whether a geometry has anything in it. */
export function hasGeometry(geometry: SceneGeometry): boolean {
  return geometry.lines.length > 0 || geometry.zones.length > 0;
}

class GeometryError extends Error {}

function fail(detail: string): never {
  throw new GeometryError(detail);
}

function list(value: unknown, name: string, max: number): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value) as unknown;
    } catch {
      fail(`${name} is not valid JSON`);
    }
  }
  if (!Array.isArray(parsed)) fail(`${name} must be a JSON array`);
  if (parsed.length > max) fail(`${name}: at most ${max} entries`);
  return parsed as unknown[];
}

function object(raw: unknown, where: string, allowed: string[]): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`${where} must be an object`);
  const extra = Object.keys(raw).filter((k) => !allowed.includes(k));
  if (extra.length > 0) fail(`${where}: unknown field ${extra[0]}`);
  return raw as Record<string, unknown>;
}

function parseId(value: unknown, where: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(value)) {
    fail(`${where}.id must be 1-64 letters, digits, _ . or -`);
  }
  return value;
}

function point(value: unknown, where: string): Point {
  const limit = SCENE_LIMITS.coordinate;
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !value.every((v) => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= limit)
  ) {
    fail(`${where} must be [x, y], two numbers within ±${limit}`);
  }
  return [value[0] as number, value[1] as number];
}

function classes(value: unknown, where: string): { classes?: string[] } {
  if (value === undefined) return {};
  if (!Array.isArray(value) || value.length === 0 || !value.every((c) => typeof c === 'string' && c.length > 0)) {
    fail(`${where}.classes must be a non-empty array of labels`);
  }
  return { classes: [...(value as string[])] };
}

function parseLine(raw: unknown, where: string): LineSpec {
  const o = object(raw, where, ['id', 'from', 'to', 'classes', 'hysteresis_px']);
  const id = parseId(o.id, where);
  const from = point(o.from, `${where}.from`);
  const to = point(o.to, `${where}.to`);
  if (from[0] === to[0] && from[1] === to[1]) fail(`${where}: from and to are the same point`);
  const line: LineSpec = { id, from, to, ...classes(o.classes, where) };
  if (o.hysteresis_px !== undefined) {
    const h = o.hysteresis_px;
    if (typeof h !== 'number' || !Number.isFinite(h) || h < 0 || h > 1000) {
      fail(`${where}.hysteresis_px must be a number from 0 to 1000`);
    }
    line.hysteresis_px = h;
  }
  return line;
}

function parseZone(raw: unknown, where: string): ZoneSpec {
  const o = object(raw, where, ['id', 'points', 'classes']);
  const id = parseId(o.id, where);
  if (!Array.isArray(o.points) || o.points.length < 3 || o.points.length > SCENE_LIMITS.points) {
    fail(`${where}.points must list 3 to ${SCENE_LIMITS.points} points`);
  }
  const points = o.points.map((p, i) => point(p, `${where}.points[${i}]`));
  let area = 0;
  points.forEach(([x1, y1], i) => {
    const [x2, y2] = points[(i + 1) % points.length]!;
    area += x1 * y2 - x2 * y1;
  });
  if (Math.abs(area) < 1e-6) fail(`${where}: the polygon has no area`);
  return { id, points, ...classes(o.classes, where) };
}

function unique(entries: { id: string }[], name: string): void {
  const seen = new Set<string>();
  for (const { id } of entries) {
    if (seen.has(id)) fail(`${name}: id ${id} is used twice`);
    seen.add(id);
  }
}
