import { type Detection, type PipelineResult, type TextLine } from '@forgesyte/contracts';

/** Distinct, high-contrast colours on dark and light video alike; picked by class id. */
const PALETTE = ['#ffb000', '#4fb3ff', '#5ad17a', '#ff6b9d', '#c792ff', '#ff7f50', '#00e5d0', '#f4f754'];
const TEXT_COLOUR = '#ffffff';

export function colourFor(classId: number): string {
  return PALETTE[Math.abs(classId) % PALETTE.length];
}

export interface OverlayOptions {
  /** Frame index printed in the corner; omitted when undefined. */
  frameIndex?: number;
  /** Canvas pixels per result pixel; the result's coordinates are in its `image` size. */
  scaleX: number;
  scaleY: number;
}

/** Draws boxes, labels with scores and OCR text of one result over whatever the canvas holds. */
export function drawOverlay(ctx: CanvasRenderingContext2D, result: PipelineResult, options: OverlayOptions): void {
  const { scaleX, scaleY } = options;
  const fontPx = Math.max(12, Math.round(ctx.canvas.height / 32));
  ctx.save();
  ctx.lineWidth = Math.max(2, Math.round(ctx.canvas.height / 240));
  ctx.font = `600 ${fontPx}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
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
  const text = `${d.label} ${Math.round(d.score * 100)}%`;
  label(ctx, text, x, Math.max(0, y - fontPx - 4), colour, fontPx, '#000000');
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
    ...result.detections.map((d) => `${d.label} ${Math.round(d.score * 100)}%`),
    ...result.texts.map((t) => `text "${t.text}"`),
  ];
}
