/** Figures shown in the stream panel, all over the last few seconds. */
export interface StreamStatsSnapshot {
  fpsSent: number;
  resultsPerSecond: number;
  /** Dropped answers / all answers in the window, 0..1. */
  dropRate: number;
  slowDowns: number;
  rttP50: number | null;
  rttP95: number | null;
  /** Recent round trips in ms, oldest first, for the latency chart. */
  rttHistory: number[];
}

const WINDOW_MS = 3000;
const HISTORY = 120;

/**
 * Round trips and rates from protocol events. Send times are kept by frame_index, so an answer is
 * matched to the very frame it belongs to even when answers for dropped frames arrive in between.
 */
export class StreamStats {
  private readonly sentAt = new Map<number, number>();
  private sent: number[] = [];
  private results: number[] = [];
  private drops: number[] = [];
  private rtts: number[] = [];
  private slowDowns = 0;

  reset(): void {
    this.sentAt.clear();
    this.sent = [];
    this.results = [];
    this.drops = [];
    this.rtts = [];
    this.slowDowns = 0;
  }

  recordSent(frameIndex: number, now: number): void {
    this.sentAt.set(frameIndex, now);
    this.sent.push(now);
    // Answers that never come (socket closed mid-flight) must not leak entries.
    if (this.sentAt.size > 300) this.sentAt.delete(this.sentAt.keys().next().value!);
  }

  /** Returns the round trip in ms, or null for an answer to a frame this client did not send. */
  recordResult(frameIndex: number, now: number): number | null {
    this.results.push(now);
    const rtt = this.answer(frameIndex, now);
    if (rtt !== null) {
      this.rtts.push(rtt);
      if (this.rtts.length > HISTORY) this.rtts.shift();
    }
    return rtt;
  }

  recordDropped(frameIndex: number, now: number): void {
    this.drops.push(now);
    this.answer(frameIndex, now);
  }

  recordSlowDown(): void {
    this.slowDowns += 1;
  }

  snapshot(now: number): StreamStatsSnapshot {
    const since = now - WINDOW_MS;
    this.sent = this.sent.filter((t) => t > since);
    this.results = this.results.filter((t) => t > since);
    this.drops = this.drops.filter((t) => t > since);
    const answered = this.results.length + this.drops.length;
    const sorted = [...this.rtts].sort((a, b) => a - b);
    return {
      fpsSent: this.sent.length / (WINDOW_MS / 1000),
      resultsPerSecond: this.results.length / (WINDOW_MS / 1000),
      dropRate: answered === 0 ? 0 : this.drops.length / answered,
      slowDowns: this.slowDowns,
      rttP50: percentile(sorted, 0.5),
      rttP95: percentile(sorted, 0.95),
      rttHistory: [...this.rtts],
    };
  }

  private answer(frameIndex: number, now: number): number | null {
    const at = this.sentAt.get(frameIndex);
    this.sentAt.delete(frameIndex);
    return at === undefined ? null : now - at;
  }
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil(p * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? null;
}
