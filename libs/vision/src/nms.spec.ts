import { iou, type Candidate } from './boxes';
import { nms } from './nms';

const box = (x1: number, y1: number, x2: number, y2: number, score: number, classId = 0): Candidate => ({
  x1,
  y1,
  x2,
  y2,
  score,
  classId,
});

describe('iou', () => {
  it('is 1/3 for two unit squares overlapping by half, 0 for disjoint ones', () => {
    expect(iou(box(0, 0, 2, 2, 1), box(1, 0, 3, 2, 1))).toBeCloseTo(1 / 3, 9);
    expect(iou(box(0, 0, 1, 1, 1), box(2, 2, 3, 3, 1))).toBe(0);
    expect(iou(box(0, 0, 0, 0, 1), box(0, 0, 0, 0, 1))).toBe(0);
  });
});

describe('nms', () => {
  it('keeps the best of overlapping boxes of one class and orders by score', () => {
    const kept = nms([box(0, 0, 10, 10, 0.6), box(1, 1, 11, 11, 0.9), box(50, 50, 60, 60, 0.7)], 0.45);
    expect(kept.map((b) => b.score)).toEqual([0.9, 0.7]);
  });

  it('is class-aware: overlapping boxes of different classes both survive', () => {
    const kept = nms([box(0, 0, 10, 10, 0.8, 0), box(0, 0, 10, 10, 0.7, 1)], 0.45);
    expect(kept.map((b) => b.classId)).toEqual([0, 1]);
  });

  it('suppresses only above the IoU threshold', () => {
    // IoU exactly 1/3: kept at threshold 0.45, suppressed at 0.3.
    const pair = [box(0, 0, 2, 2, 0.9), box(1, 0, 3, 2, 0.8)];
    expect(nms(pair, 0.45)).toHaveLength(2);
    expect(nms(pair, 0.3)).toHaveLength(1);
  });

  it('does not let a suppressed box suppress others', () => {
    // B overlaps A and C; C does not overlap A. A suppresses B, so C must stay.
    const kept = nms([box(0, 0, 10, 10, 0.9), box(5, 0, 15, 10, 0.8), box(10, 0, 20, 10, 0.7)], 0.3);
    expect(kept.map((b) => b.score)).toEqual([0.9, 0.7]);
  });

  it('caps the number of detections', () => {
    const many = Array.from({ length: 10 }, (_, i) => box(i * 20, 0, i * 20 + 10, 10, i / 10));
    expect(nms(many, 0.45, 3).map((b) => b.score)).toEqual([0.9, 0.8, 0.7]);
  });
});
