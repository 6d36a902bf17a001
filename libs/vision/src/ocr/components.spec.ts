import { ComponentScratch, findComponents } from './components';

function maskFrom(rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const width = rows[0]?.length ?? 0;
  const mask = new Uint8Array(width * rows.length);
  rows.forEach((r, y) => [...r].forEach((c, x) => (mask[y * width + x] = c === '#' ? 1 : 0)));
  return { mask, width, height: rows.length };
}

describe('findComponents', () => {
  it('separates blobs, joins diagonal neighbours, and reports area and bounds', () => {
    const { mask, width, height } = maskFrom(['##......', '##...#..', '.....##.', '......#.', '#.......', '.#.....#']);
    const comps = findComponents(mask, width, height);
    expect(comps.map((c) => [c.area, c.x1, c.y1, c.x2, c.y2])).toEqual([
      [4, 0, 0, 1, 1],
      [4, 5, 1, 6, 3],
      [2, 0, 4, 1, 5],
      [1, 7, 5, 7, 5],
    ]);
  });

  it('keeps the leftmost and rightmost pixel of each row, which is enough for the hull', () => {
    const { mask, width, height } = maskFrom(['.####.', '######', '..##..']);
    const [c] = findComponents(mask, width, height);
    expect(c?.area).toBe(12);
    expect(c?.extremes).toEqual([
      [1, 0],
      [4, 0],
      [0, 1],
      [5, 1],
      [2, 2],
      [3, 2],
    ]);
  });

  it('follows a blob whose fill goes up before it goes down (U shape)', () => {
    const { mask, width, height } = maskFrom(['#...#', '#...#', '#####']);
    const comps = findComponents(mask, width, height);
    expect(comps).toHaveLength(1);
    expect(comps[0]?.area).toBe(9);
    expect(comps[0]?.extremes).toEqual([
      [0, 0],
      [4, 0],
      [0, 1],
      [4, 1],
      [0, 2],
      [4, 2],
    ]);
  });

  it('stops at maxComponents', () => {
    const { mask, width, height } = maskFrom(['#.#.#.#']);
    expect(findComponents(mask, width, height, 2)).toHaveLength(2);
  });

  it('gives the same answer when scratch memory is reused across sizes', () => {
    const scratch = new ComponentScratch();
    const big = maskFrom(['####....', '........', '.......#']);
    const small = maskFrom(['.#', '##']);
    const first = findComponents(big.mask, big.width, big.height, Infinity, scratch);
    const second = findComponents(small.mask, small.width, small.height, Infinity, scratch);
    const again = findComponents(big.mask, big.width, big.height, Infinity, scratch);
    expect(second).toEqual([
      {
        area: 3,
        x1: 0,
        y1: 0,
        x2: 1,
        y2: 1,
        extremes: [
          [1, 0],
          [0, 1],
          [1, 1],
        ],
      },
    ]);
    expect(again).toEqual(first);
  });

  it('finds nothing in an empty mask', () => {
    expect(findComponents(new Uint8Array(12), 4, 3)).toEqual([]);
  });
});
