import {
  type Detection,
  type LineSpec,
  type PipelineResult,
  type Point,
  type TextLine,
  type ZoneSpec,
} from '@forgesyte/contracts';

/** Distinct, high-contrast colours on dark and light video alike; picked by class id. */
const PALETTE = ['#ffb000', '#4fb3ff', '#5ad17a', '#ff6b9d', '#c792ff', '#ff7f50', '#00e5d0', '#f4f754'];
const TEXT_COLOUR = '#ffffff';

export function colourFor(classId: number): string {
  return PALETTE[Math.abs(classId) % PALETTE.length] ?? TEXT_COLOUR;
}

export interface OverlayOptions {
  /** Frame index printed in the corner; omitted when undefined. */
  frameIndex?: number;
  /** Canvas pixels per result pixel; the result's coordinates are in its `image` size. */
  scaleX: number;
  scaleY: number;
  /** Recent bottom centres per track id (result pixels), drawn as short trails. */
  trails?: ReadonlyMap<number, readonly Point[]>;
  /** The lines and zones the stream or job counts on, drawn with the result's counts. */
  geometry?: { lines: LineSpec[]; zones: ZoneSpec[] };
}

/** Draws boxes, labels with scores and OCR text of one result over whatever the canvas holds. */
export function drawOverlay(ctx: CanvasRenderingContext2D, result: PipelineResult, options: OverlayOptions): void {
  const { scaleX, scaleY } = options;
  const fontPx = Math.max(12, Math.round(ctx.canvas.height / 32));
  ctx.save();
  ctx.lineWidth = Math.max(2, Math.round(ctx.canvas.height / 240));
  ctx.font = `600 ${fontPx}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  if (options.geometry) drawGeometry(ctx, result, options.geometry, scaleX, scaleY, fontPx);
  for (const [id, points] of options.trails ?? []) drawTrail(ctx, id, points, scaleX, scaleY);
  for (const d of result.detections) drawDetection(ctx, d, scaleX, scaleY, fontPx);
  for (const t of result.texts) drawText(ctx, t, scaleX, scaleY, fontPx);
  if (options.frameIndex !== undefined) {
    // Bottom-left: labels of boxes touching the top edge stay readable.
    label(ctx, `frame ${options.frameIndex}`, 4, ctx.canvas.height - fontPx - 8, 'rgba(0,0,0,0.7)', fontPx);
  }
  ctx.restore();
}

function drawDetection(ctx: CanvasRenderingContext2D, d: Detection, sx: number, sy: number, fontPx: number): void {
  const colour = colourFor(d.class_id);
  const x = d.box.x1 * sx;
  const y = d.box.y1 * sy;
  ctx.strokeStyle = colour;
  ctx.strokeRect(x, y, (d.box.x2 - d.box.x1) * sx, (d.box.y2 - d.box.y1) * sy);
  label(ctx, detectionText(d), x, Math.max(0, y - fontPx - 4), colour, fontPx, '#000000');
}

function detectionText(d: Detection): string {
  return `${d.label}${d.track_id === undefined ? '' : ` #${d.track_id}`} ${Math.round(d.score * 100)}%`;
}

function drawTrail(ctx: CanvasRenderingContext2D, id: number, points: readonly Point[], sx: number, sy: number): void {
  if (points.length < 2) return;
  ctx.strokeStyle = colourFor(id);
  ctx.beginPath();
  points.forEach(([px, py], i) => (i === 0 ? ctx.moveTo(px * sx, py * sy) : ctx.lineTo(px * sx, py * sy)));
  ctx.stroke();
}

function drawGeometry(
  ctx: CanvasRenderingContext2D,
  result: PipelineResult,
  geometry: { lines: LineSpec[]; zones: ZoneSpec[] },
  sx: number,
  sy: number,
  fontPx: number,
): void {
  ctx.strokeStyle = '#ffffff';
  for (const zone of geometry.zones) {
    ctx.beginPath();
    zone.points.forEach(([px, py], i) => (i === 0 ? ctx.moveTo(px * sx, py * sy) : ctx.lineTo(px * sx, py * sy)));
    ctx.closePath();
    ctx.stroke();
    const count = result.zones?.find((z) => z.id === zone.id)?.count ?? 0;
    const [x, y] = zone.points[0] ?? [0, 0];
    label(ctx, `${zone.id}: ${count}`, x * sx, y * sy, 'rgba(0,0,0,0.7)', fontPx);
  }
  for (const line of geometry.lines) {
    ctx.beginPath();
    ctx.moveTo(line.from[0] * sx, line.from[1] * sy);
    ctx.lineTo(line.to[0] * sx, line.to[1] * sy);
    ctx.stroke();
    const counts = result.lines?.find((l) => l.id === line.id) ?? { in: 0, out: 0 };
    label(
      ctx,
      `${line.id}: in ${counts.in} out ${counts.out}`,
      line.from[0] * sx,
      line.from[1] * sy,
      'rgba(0,0,0,0.7)',
      fontPx,
    );
  }
}

/** Short trails of tracked objects: the last `length` bottom centres of each track seen in recent results. */
export class TrailBook {
  private readonly trails = new Map<number, Point[]>();

  constructor(private readonly length = 12) {}

  /** Adds a result's tracked detections; tracks absent from it lose their trail. */
  add(result: PipelineResult): ReadonlyMap<number, readonly Point[]> {
    const seen = new Set<number>();
    for (const d of result.detections) {
      if (d.track_id === undefined) continue;
      seen.add(d.track_id);
      const trail = this.trails.get(d.track_id) ?? [];
      trail.push([(d.box.x1 + d.box.x2) / 2, d.box.y2]);
      if (trail.length > this.length) trail.shift();
      this.trails.set(d.track_id, trail);
    }
    for (const id of [...this.trails.keys()]) if (!seen.has(id)) this.trails.delete(id);
    return this.trails;
  }

  clear(): void {
    this.trails.clear();
  }
}

function drawText(ctx: CanvasRenderingContext2D, t: TextLine, sx: number, sy: number, fontPx: number): void {
  ctx.strokeStyle = '#00e5d0';
  if (t.polygon && t.polygon.length >= 3) {
    ctx.beginPath();
    t.polygon.forEach(([px, py], i) => (i === 0 ? ctx.moveTo(px * sx, py * sy) : ctx.lineTo(px * sx, py * sy)));
    ctx.closePath();
    ctx.stroke();
  } else {
    ctx.strokeRect(t.box.x1 * sx, t.box.y1 * sy, (t.box.x2 - t.box.x1) * sx, (t.box.y2 - t.box.y1) * sy);
  }
  label(ctx, t.text, t.box.x1 * sx, t.box.y2 * sy + 2, 'rgba(0,0,0,0.75)', fontPx);
}

function label(
  ctx: CanvasRenderingContext2D,
  text: string,
  x: number,
  y: number,
  background: string,
  fontPx: number,
  foreground = TEXT_COLOUR,
): void {
  const width = ctx.measureText(text).width + 8;
  ctx.fillStyle = background;
  ctx.fillRect(x, y, width, fontPx + 4);
  ctx.fillStyle = foreground;
  ctx.fillText(text, x + 4, y + 2);
}

/** One line per drawn object, for the DOM list that screen readers and tests read. */
export function describeResult(result: PipelineResult): string[] {
  return [
    ...result.detections.map(detectionText),
    ...result.texts.map((t) => `text "${t.text}"`),
    ...(result.lines ?? []).map((l) => `line ${l.id}: in ${l.in}, out ${l.out}`),
    ...(result.zones ?? []).map((z) => `zone ${z.id}: ${z.count}`),
  ];
}
