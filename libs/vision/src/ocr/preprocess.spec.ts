import { detInputSize, fillDetTensor } from './det-preprocess';
import { type Quad } from './geometry';
import { axisTable } from './image';
import { REC_HEIGHT, fillRecSlot, readingQuad, recTargetWidth } from './rec-preprocess';

function solid(width: number, height: number, rgb: [number, number, number]) {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { data, width, height };
}

describe('detInputSize', () => {
  it('shrinks the long side to the limit and rounds both sides to multiples of 32', () => {
    expect(detInputSize(692, 1024)).toEqual({ width: 640, height: 960 });
    expect(detInputSize(1920, 1080)).toEqual({ width: 960, height: 544 });
  });
  it('never enlarges, but keeps at least 32 pixels a side', () => {
    expect(detInputSize(640, 480)).toEqual({ width: 640, height: 480 });
    expect(detInputSize(20, 10)).toEqual({ width: 32, height: 32 });
  });
});

describe('axisTable', () => {
  it('uses half-pixel centres like OpenCV', () => {
    const t = axisTable(4, 2);
    expect([...t.index0]).toEqual([0, 2]);
    expect([...t.weight1]).toEqual([0.5, 0.5]);
    const up = axisTable(2, 4);
    expect([...up.index0]).toEqual([0, 0, 0, 1]);
    expect([...up.weight1]).toEqual([0, 0.25, 0.75, 0]);
  });
});

describe('fillDetTensor', () => {
  it('writes B, G, R planes with ImageNet statistics in that order', () => {
    const dst = new Float32Array(3 * 32 * 32);
    fillDetTensor(solid(40, 40, [255, 0, 51]), dst, 32, 32);
    const plane = 32 * 32;
    expect(dst[0]).toBeCloseTo((0.2 - 0.485) / 0.229, 5); // B = 51
    expect(dst[plane + 100]).toBeCloseTo((0 - 0.456) / 0.224, 5); // G = 0
    expect(dst[2 * plane + 1023]).toBeCloseTo((1 - 0.406) / 0.225, 5); // R = 255
  });

  it('interpolates between pixels', () => {
    // 2 x 1 image black | white, enlarged to 4 x 1: weights 0, 0.25, 0.75, 1.
    const img = { data: new Uint8Array([0, 0, 0, 255, 255, 255]), width: 2, height: 1 };
    const dst = new Float32Array(12);
    fillDetTensor(img, dst, 4, 1);
    const red = [...dst.subarray(8, 12)].map((v) => (v * 0.225 + 0.406) * 255);
    [0, 63.75, 191.25, 255].forEach((e, i) => expect(red[i]).toBeCloseTo(e, 3));
  });
});

describe('recognition crops', () => {
  const wide: Quad = [
    [10, 10],
    [110, 10],
    [110, 30],
    [10, 30],
  ];
  const tall: Quad = [
    [10, 10],
    [30, 10],
    [30, 110],
    [10, 110],
  ];

  it('turns tall crops a quarter counter-clockwise and leaves wide ones', () => {
    expect(readingQuad(wide)).toBe(wide);
    expect(readingQuad(tall)).toEqual([tall[1], tall[2], tall[3], tall[0]]);
  });

  it('scales the crop to 48 high keeping its aspect, up to a cap', () => {
    expect(recTargetWidth(wide, 1000)).toBe(240);
    expect(recTargetWidth(wide, 200)).toBe(200);
  });

  it('samples the quad into its slot, normalised to [-1, 1], with zero padding after the content', () => {
    // Left half black, right half white, from x = 60.
    const img = solid(120, 40, [0, 0, 0]);
    for (let y = 0; y < 40; y++)
      for (let x = 60; x < 120; x++) img.data.fill(255, (y * 120 + x) * 3, (y * 120 + x) * 3 + 3);
    const tensorWidth = 320;
    const plane = REC_HEIGHT * tensorWidth;
    const dst = new Float32Array(2 * 3 * plane).fill(7);
    fillRecSlot(img, wide, dst, 1, tensorWidth, 240);
    const base = 3 * plane;
    for (const c of [0, 1, 2]) {
      const row = base + c * plane + 24 * tensorWidth;
      expect(dst[row + 5]).toBeCloseTo(-1, 5);
      expect(dst[row + 235]).toBeCloseTo(1, 5);
      expect(dst[row + 260]).toBe(0);
    }
    // Slot 0 is untouched.
    expect(dst[0]).toBe(7);
    expect(dst[base - 1]).toBe(7);
  });

  it('reads a turned crop from its new top-left corner', () => {
    // Top half red, bottom half blue.
    const img = solid(40, 120, [255, 0, 0]);
    for (let y = 60; y < 120; y++) for (let x = 0; x < 40; x++) img.data.set([0, 0, 255], (y * 40 + x) * 3);
    const tensorWidth = 320;
    const plane = REC_HEIGHT * tensorWidth;
    const dst = new Float32Array(3 * plane);
    const q = readingQuad(tall);
    fillRecSlot(img, q, dst, 0, tensorWidth, recTargetWidth(q, 1000));
    // Turned counter-clockwise, the crop's top edge is the quad's right edge read downwards: red left, blue right.
    const mid = 24 * tensorWidth;
    expect(dst[2 * plane + mid + 2]).toBeCloseTo(1, 5); // R at the left end
    expect(dst[mid + 2]).toBeCloseTo(-1, 5); // B at the left end
    expect(dst[mid + 230]).toBeCloseTo(1, 5); // B at the right end
  });
});
