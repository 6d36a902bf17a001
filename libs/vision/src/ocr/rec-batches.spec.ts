import { type RecBatchLimits, planRecBatches } from './rec-batches';

const LIMITS: RecBatchLimits = { minWidth: 160, maxWidth: 1600, maxBatch: 6, runCost: 16 };

function columns(batches: ReturnType<typeof planRecBatches>): number {
  return batches.reduce((sum, b) => sum + b.indices.length * b.width, 0);
}

describe('planRecBatches', () => {
  it('lists every crop exactly once', () => {
    const widths = [37, 231, 35, 346, 421, 40, 358, 119, 279];
    const batches = planRecBatches(widths, LIMITS);
    const seen = batches.flatMap((b) => b.indices).sort((a, b) => a - b);
    expect(seen).toEqual(widths.map((_, i) => i));
  });

  it('pads each run to its widest crop, never below the minimum nor above the maximum', () => {
    const widths = [37, 231, 35, 346, 421, 40, 358, 119, 279, 2400];
    for (const b of planRecBatches(widths, LIMITS)) {
      const own = b.indices.map((i) => Math.min(LIMITS.maxWidth, Math.max(LIMITS.minWidth, widths[i]!)));
      expect(b.width).toBe(Math.max(...own));
    }
    expect(planRecBatches([2400], LIMITS)).toEqual([{ indices: [0], width: 1600 }]);
    expect(planRecBatches([12], LIMITS)).toEqual([{ indices: [0], width: 160 }]);
  });

  it('keeps a long line from making short crops pad to its width', () => {
    // Street-signs crops: a fixed batch of six padded to 320, then three at 421, is 3183 columns.
    const widths = [37, 231, 35, 346, 421, 40, 358, 119, 279];
    const batches = planRecBatches(widths, LIMITS);
    const short = batches.find((b) => b.indices.includes(0))!;
    expect(short.width).toBe(160);
    expect(short.indices.sort((a, b) => a - b)).toEqual([0, 2, 5, 7]);
    expect(batches.find((b) => b.indices.includes(4))!.indices).toEqual([4]);
    // 346 and 358 share a run: 12 columns of padding cost less than a run.
    expect(batches.find((b) => b.indices.includes(3))).toEqual({ indices: [3, 6], width: 358 });
    expect(columns(batches)).toBe(4 * 160 + 231 + 279 + 2 * 358 + 421);
  });

  it('puts crops of the same width in one run, up to the batch limit', () => {
    const batches = planRecBatches(
      Array.from({ length: 8 }, () => 200),
      LIMITS,
    );
    expect(batches.map((b) => b.indices.length)).toEqual([2, 6]);
    expect(batches.every((b) => b.width === 200)).toBe(true);
  });

  it('pads a crop only where that costs less than another run', () => {
    // 10 columns of padding < 16 for a run: shared; 40 columns > 16: separate.
    expect(planRecBatches([200, 210], LIMITS)).toEqual([{ indices: [0, 1], width: 210 }]);
    expect(planRecBatches([200, 240], LIMITS)).toEqual([
      { indices: [0], width: 200 },
      { indices: [1], width: 240 },
    ]);
  });

  it('gives no run for no crops, and one crop per run when batches hold one', () => {
    expect(planRecBatches([], LIMITS)).toEqual([]);
    const single = planRecBatches([100, 100, 300], { ...LIMITS, maxBatch: 1 });
    expect(single.map((b) => b.indices)).toEqual([[0], [1], [2]]);
  });
});
