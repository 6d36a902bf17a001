import { type Box } from '@forgesyte/contracts';

/**
 * Reading order: top to bottom, then left to right within a line. Boxes join the current line when their vertical
 * centre falls inside the line's vertical span, so a slightly lower word on the same line does not jump ahead of
 * words to its left (a plain sort on y would do that), and the grouping is stable whatever the input order.
 */
export function sortReadingOrder<T extends { box: Box }>(items: readonly T[]): T[] {
  const byTop = [...items].sort((a, b) => a.box.y1 - b.box.y1 || a.box.x1 - b.box.x1);
  const out: T[] = [];
  let line: T[] = [];
  let lineTop = 0;
  let lineBottom = 0;
  const flush = () => {
    line.sort((a, b) => a.box.x1 - b.box.x1);
    out.push(...line);
    line = [];
  };
  for (const item of byTop) {
    const centre = (item.box.y1 + item.box.y2) / 2;
    if (line.length > 0 && centre >= lineTop && centre <= lineBottom) {
      line.push(item);
      continue;
    }
    if (line.length > 0) flush();
    line.push(item);
    lineTop = item.box.y1;
    lineBottom = item.box.y2;
  }
  if (line.length > 0) flush();
  return out;
}
