import { decodeUltralytics } from './ultralytics';

describe('decodeUltralytics', () => {
  it('reads the channel-major [4 + C, N] layout', () => {
    const classes = 3;
    const n = 4;
    const out = new Float32Array((4 + classes) * n);
    const put = (row: number, anchor: number, v: number) => (out[row * n + anchor] = v);
    // anchor 1: centre (100, 50), 40 x 20, class 2 at 0.9
    put(0, 1, 100);
    put(1, 1, 50);
    put(2, 1, 40);
    put(3, 1, 20);
    put(4, 1, 0.1);
    put(6, 1, 0.9);
    // anchor 3: class 0 at 0.6, class 1 at 0.7
    put(0, 3, 10);
    put(1, 3, 10);
    put(2, 3, 4);
    put(3, 3, 6);
    put(4, 3, 0.6);
    put(5, 3, 0.7);
    // anchor 0: below the threshold
    put(4, 0, 0.2);

    const found = decodeUltralytics(out, classes, n, 0.25);
    expect(found).toEqual([
      { x1: 80, y1: 40, x2: 120, y2: 60, score: expect.closeTo(0.9, 6) as number, classId: 2 },
      { x1: 8, y1: 7, x2: 12, y2: 13, score: expect.closeTo(0.7, 6) as number, classId: 1 },
    ]);
  });

  it('rejects an output of the wrong size', () => {
    expect(() => decodeUltralytics(new Float32Array(84 * 10), 80, 11, 0.25)).toThrow(RangeError);
  });
});
