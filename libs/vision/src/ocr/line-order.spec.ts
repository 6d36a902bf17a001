import { sortReadingOrder } from './line-order';

const item = (id: string, x1: number, y1: number, x2: number, y2: number) => ({ id, box: { x1, y1, x2, y2 } });

describe('sortReadingOrder', () => {
  it('reads lines top to bottom and words left to right, even when a later word sits a little higher', () => {
    const items = [item('second-line', 0, 60, 100, 90), item('right', 120, 8, 200, 38), item('left', 0, 12, 100, 42)];
    expect(sortReadingOrder(items).map((i) => i.id)).toEqual(['left', 'right', 'second-line']);
  });

  it('keeps stacked lines apart when they do not overlap vertically', () => {
    const items = [item('b', 0, 40, 50, 60), item('a', 60, 0, 100, 30)];
    expect(sortReadingOrder(items).map((i) => i.id)).toEqual(['a', 'b']);
  });

  it('handles an empty list', () => {
    expect(sortReadingOrder([])).toEqual([]);
  });
});
