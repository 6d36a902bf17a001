import { decodeYolox } from './yolox';

/** A zeroed YOLOX output for a 64x64 input: 8x8 + 4x4 + 2x2 = 84 anchors of 5 + C values. */
function emptyOutput(numClasses: number) {
  return new Float32Array(84 * (5 + numClasses));
}

function setAnchor(out: Float32Array, numClasses: number, anchor: number, values: number[]) {
  out.set(values, anchor * (5 + numClasses));
}

describe('decodeYolox', () => {
  it('decodes grid offsets and log sizes per stride into input pixels', () => {
    const out = emptyOutput(3);
    // stride 8, grid (2, 1) -> anchor 1*8 + 2 = 10; centre (2.5+2)*8 = 36, (0.5+1)*8 = 12, size e^0*8 = 8 x e^ln2*8 = 16.
    setAnchor(out, 3, 10, [2.5, 0.5, 0, Math.log(2), 0.9, 0.1, 0.8, 0.2]);
    // stride 16 grid starts at anchor 64; grid (1, 3) -> 64 + 3*4 + 1 = 77; centre (0+1)*16, (0+3)*16, size 16 x 16.
    setAnchor(out, 3, 77, [0, 0, 0, 0, 0.8, 0, 0, 0.5]);
    // stride 32 grid starts at anchor 80; grid (1, 1) -> 83.
    setAnchor(out, 3, 83, [0.5, 0.5, Math.log(0.5), Math.log(0.5), 1, 1, 0, 0]);

    const found = decodeYolox(out, 64, 64, 3, 0.3);
    expect(found).toHaveLength(3);
    const rounded = found.map((c) => [c.x1, c.y1, c.x2, c.y2].map((v) => Number(v.toFixed(6))));
    expect(rounded).toEqual([
      [32, 4, 40, 20],
      [8, 40, 24, 56],
      [40, 40, 56, 56],
    ]);
    expect(found.map((c) => c.classId)).toEqual([1, 2, 0]);
    expect(found[0]?.score).toBeCloseTo(0.72, 6);
    expect(found[1]?.score).toBeCloseTo(0.4, 6);
    expect(found[2]?.score).toBe(1);
  });

  it('applies the threshold to obj * class, not to either alone', () => {
    const out = emptyOutput(2);
    setAnchor(out, 2, 0, [0, 0, 0, 0, 0.9, 0.3, 0]); // 0.27
    setAnchor(out, 2, 1, [0, 0, 0, 0, 0.2, 1, 0]); // 0.2
    setAnchor(out, 2, 2, [0, 0, 0, 0, 0.6, 0, 0.5]); // 0.3
    const found = decodeYolox(out, 64, 64, 2, 0.28);
    expect(found.map((c) => [c.classId, Number(c.score.toFixed(3))])).toEqual([[1, 0.3]]);
  });

  it('rejects an output whose size does not fit the input size', () => {
    expect(() => decodeYolox(new Float32Array(100), 64, 64, 3, 0.3)).toThrow(/expected 84 anchors/);
  });
});
