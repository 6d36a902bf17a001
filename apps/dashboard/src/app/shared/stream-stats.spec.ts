import { StreamStats, percentile } from './stream-stats';

describe('StreamStats', () => {
  it('computes rates over the last three seconds only', () => {
    const stats = new StreamStats();
    for (let i = 0; i < 30; i++) stats.recordSent(i, i * 100);
    for (let i = 0; i < 20; i++) stats.recordResult(i, i * 100 + 50);
    for (let i = 20; i < 30; i++) stats.recordDropped(i, i * 100 + 5);
    stats.recordSlowDown();
    const now = stats.snapshot(2950);
    expect(now.fpsSent).toBeCloseTo(10);
    expect(now.resultsPerSecond).toBeCloseTo(20 / 3);
    expect(now.dropRate).toBeCloseTo(10 / 30);
    expect(now.slowDowns).toBe(1);
    expect(now.rttP50).toBe(50);
    const later = stats.snapshot(10_000);
    expect(later.fpsSent).toBe(0);
    expect(later.dropRate).toBe(0);
  });

  it('ignores answers to frames it never sent and forgets after reset', () => {
    const stats = new StreamStats();
    expect(stats.recordResult(7, 100)).toBeNull();
    stats.recordSent(1, 0);
    expect(stats.recordResult(1, 25)).toBe(25);
    expect(stats.recordResult(1, 30)).toBeNull();
    stats.reset();
    expect(stats.snapshot(40)).toMatchObject({ rttP50: null, rttHistory: [], slowDowns: 0 });
  });
});

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.95)).toBe(95);
    expect(percentile([7], 0.95)).toBe(7);
    expect(percentile([], 0.5)).toBeNull();
  });
});
