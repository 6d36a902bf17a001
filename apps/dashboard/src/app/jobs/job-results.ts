import { type JobFrameResult } from '@forgesyte/contracts';

export interface ClassCount {
  label: string;
  /** Detections over every sampled frame. */
  detections: number;
  /** Sampled frames with at least one. */
  frames: number;
  /** Most at once in one frame: the best guess of how many were in view together. */
  maxInFrame: number;
}

export function classCounts(frames: readonly JobFrameResult[]): ClassCount[] {
  const counts = new Map<string, ClassCount>();
  for (const frame of frames) {
    const inFrame = new Map<string, number>();
    for (const d of frame.result.detections) inFrame.set(d.label, (inFrame.get(d.label) ?? 0) + 1);
    for (const [label, n] of inFrame) {
      const c = counts.get(label) ?? { label, detections: 0, frames: 0, maxInFrame: 0 };
      c.detections += n;
      c.frames += 1;
      c.maxInFrame = Math.max(c.maxInFrame, n);
      counts.set(label, c);
    }
  }
  return [...counts.values()].sort((a, b) => b.detections - a.detections || a.label.localeCompare(b.label));
}

/**
 * The result shown at a playback time: the last sampled frame at or before it, as long as the next
 * sample has not started. frames must be sorted by timestamp_ms.
 */
export function frameAt(frames: readonly JobFrameResult[], timeMs: number): JobFrameResult | null {
  let lo = 0;
  let hi = frames.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((frames[mid]?.timestamp_ms ?? Infinity) <= timeMs) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return frames[found] ?? null;
}

const CSV_HEADER = 'frame_index,timestamp_ms,kind,label,score,x1,y1,x2,y2';

/** One row per detection or text line, so spreadsheets can filter and count directly. */
export function toCsv(frames: readonly JobFrameResult[]): string {
  const rows = [CSV_HEADER];
  for (const f of frames) {
    for (const d of f.result.detections) {
      rows.push(row(f, 'detection', d.label, d.score, d.box));
    }
    for (const t of f.result.texts) rows.push(row(f, 'text', t.text, t.score, t.box));
  }
  return rows.join('\n') + '\n';
}

function row(
  f: JobFrameResult,
  kind: string,
  label: string,
  score: number,
  box: { x1: number; y1: number; x2: number; y2: number },
): string {
  const n = (v: number) => String(Math.round(v * 100) / 100);
  return [
    f.frame_index,
    f.timestamp_ms,
    kind,
    csvField(label),
    score.toFixed(4),
    n(box.x1),
    n(box.y1),
    n(box.x2),
    n(box.y2),
  ].join(',');
}

/** RFC 4180 quoting; a leading formula character is neutralised so spreadsheets do not evaluate OCR text. */
export function csvField(value: string): string {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The line counts at one sampled frame where any of them changed. */
export interface LineCountStep {
  frame_index: number;
  timestamp_ms: number;
  /** Cumulative in / out per line id, in the order of `ids`. */
  counts: { in: number; out: number }[];
}

export interface LineTimeline {
  ids: string[];
  steps: LineCountStep[];
}

/**
 * The line counts over time from the per-frame results (cumulative for the job): the first counted frame and
 * every frame where a count changed. frames must be sorted by timestamp_ms.
 */
export function lineTimeline(frames: readonly JobFrameResult[]): LineTimeline {
  const ids: string[] = [];
  for (const f of frames) for (const l of f.result.lines ?? []) if (!ids.includes(l.id)) ids.push(l.id);
  const steps: LineCountStep[] = [];
  let last = '';
  for (const f of frames) {
    if (!f.result.lines) continue;
    const counts = ids.map((id) => {
      const line = f.result.lines?.find((l) => l.id === id);
      return { in: line?.in ?? 0, out: line?.out ?? 0 };
    });
    const key = JSON.stringify(counts);
    if (key === last) continue;
    last = key;
    steps.push({ frame_index: f.frame_index, timestamp_ms: f.timestamp_ms, counts });
  }
  return { ids, steps };
}
