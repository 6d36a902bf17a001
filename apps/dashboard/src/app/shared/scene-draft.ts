import { type LineSpec, type Point, type SceneGeometry, type ZoneSpec, parseSceneGeometry } from '@forgesyte/contracts';

export type DraftShape = 'line' | 'zone';

/** Where an element shows an image of `image` size with `object-fit: contain`, in client pixels. */
export interface ShownBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Converts a click on an element (client pixels) into the pixels of the image it shows with `object-fit: contain`,
 * rounded; null when the click fell on the letterbox bars.
 */
export function toImagePoint(
  clientX: number,
  clientY: number,
  element: ShownBox,
  image: { width: number; height: number },
): Point | null {
  if (image.width <= 0 || image.height <= 0 || element.width <= 0 || element.height <= 0) return null;
  const scale = Math.min(element.width / image.width, element.height / image.height);
  const offsetX = (element.width - image.width * scale) / 2;
  const offsetY = (element.height - image.height * scale) / 2;
  const x = (clientX - element.left - offsetX) / scale;
  const y = (clientY - element.top - offsetY) / scale;
  if (x < 0 || y < 0 || x > image.width || y > image.height) return null;
  return [Math.round(x), Math.round(y)];
}

/** The scene the operator is drawing: finished lines and zones, and the shape under construction. */
export class SceneDraft {
  private lines: LineSpec[] = [];
  private zones: ZoneSpec[] = [];
  private pending: Point[] = [];

  constructor(private shape: DraftShape = 'line') {}

  get points(): readonly Point[] {
    return this.pending;
  }

  get geometry(): SceneGeometry {
    return { lines: [...this.lines], zones: [...this.zones] };
  }

  /** Switching shape drops an unfinished one. */
  setShape(shape: DraftShape): void {
    this.shape = shape;
    this.pending = [];
  }

  /**
   * Adds a clicked point (a repeat of the last one is ignored). A line finishes on its second point, named `id`; a zone keeps growing until `closeZone`.
   * Returns the error sentence when the finished shape is refused (bad or duplicate id, degenerate line).
   */
  click(point: Point, id: string): string | null {
    // A double-click (which closes a zone) also clicks twice on the same pixel.
    const last = this.pending[this.pending.length - 1];
    if (last && last[0] === point[0] && last[1] === point[1]) return null;
    this.pending = [...this.pending, point];
    if (this.shape === 'zone' || this.pending.length < 2) return null;
    const [from, to] = this.pending as [Point, Point];
    this.pending = [];
    return this.accept({ lines: [...this.lines, { id, from, to }], zones: this.zones });
  }

  /** Finishes the zone being drawn (at least three points), named `id`. */
  closeZone(id: string): string | null {
    if (this.shape !== 'zone') return null;
    if (this.pending.length < 3) return 'A zone needs at least three points.';
    const points = this.pending;
    this.pending = [];
    return this.accept({ lines: this.lines, zones: [...this.zones, { id, points }] });
  }

  /** Starts from saved lines and zones (a camera's), dropping any unfinished shape. */
  load(geometry: SceneGeometry): void {
    this.lines = [...geometry.lines];
    this.zones = [...geometry.zones];
    this.pending = [];
  }

  clear(): void {
    this.lines = [];
    this.zones = [];
    this.pending = [];
  }

  /** The server's own validator decides, so a drawn scene is never refused after the reconnect. */
  private accept(candidate: SceneGeometry): string | null {
    const parsed = parseSceneGeometry(candidate);
    if (!parsed.ok) return parsed.detail;
    this.lines = parsed.geometry.lines;
    this.zones = parsed.geometry.zones;
    return null;
  }
}

/** The next free id for a shape: `line1`, `line2`, ... or `zone1`, ... */
export function nextShapeId(shape: DraftShape, geometry: SceneGeometry): string {
  const taken = new Set([...geometry.lines, ...geometry.zones].map((s) => s.id));
  for (let n = 1; ; n++) if (!taken.has(`${shape}${n}`)) return `${shape}${n}`;
}
