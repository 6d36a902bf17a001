import { parseSceneGeometry } from './scene';

describe('parseSceneGeometry', () => {
  const door = { id: 'door', from: [0, 100], to: [200, 100] };
  const bay = {
    id: 'bay',
    points: [
      [0, 0],
      [10, 0],
      [10, 10],
    ],
    classes: ['person'],
  };

  it('reads JSON text or arrays; empty, null or missing means none', () => {
    expect(parseSceneGeometry({ lines: JSON.stringify([door]), zones: [bay] })).toEqual({
      ok: true,
      geometry: { lines: [door], zones: [bay] },
    });
    expect(parseSceneGeometry({ lines: '', zones: null })).toEqual({ ok: true, geometry: { lines: [], zones: [] } });
    expect(parseSceneGeometry({})).toEqual({ ok: true, geometry: { lines: [], zones: [] } });
    const withHysteresis = { ...door, hysteresis_px: 12, classes: ['car'] };
    expect(parseSceneGeometry({ lines: [withHysteresis] })).toEqual({
      ok: true,
      geometry: { lines: [withHysteresis], zones: [] },
    });
  });

  it.each([
    [{ lines: '[{' }, /lines is not valid JSON/],
    [{ lines: '{}' }, /lines must be a JSON array/],
    [{ lines: [door, door] }, /lines: id door is used twice/],
    [{ zones: [bay, bay] }, /zones: id bay is used twice/],
    [{ lines: [{ ...door, id: 'a b' }] }, /lines\[0\]\.id must be/],
    [{ lines: [{ ...door, to: [0, 100] }] }, /lines\[0\]: from and to are the same point/],
    [{ lines: [{ ...door, to: [1, 'x'] }] }, /lines\[0\]\.to must be \[x, y\]/],
    [{ lines: [{ ...door, to: [1, 1e9] }] }, /lines\[0\]\.to must be \[x, y\]/],
    [{ lines: [{ ...door, color: 'red' }] }, /lines\[0\]: unknown field color/],
    [{ lines: [{ ...door, hysteresis_px: -1 }] }, /hysteresis_px must be/],
    [{ lines: [{ ...door, classes: [] }] }, /classes must be a non-empty array/],
    [
      {
        zones: [
          {
            id: 'z',
            points: [
              [0, 0],
              [1, 1],
              [2, 2],
            ],
          },
        ],
      },
      /zones\[0\]: the polygon has no area/,
    ],
    [{ zones: [{ id: 'z', points: [[0, 0]] }] }, /zones\[0\]\.points must list 3/],
    [{ lines: Array.from({ length: 33 }, (_, i) => ({ ...door, id: `l${i}` })) }, /lines: at most 32 entries/],
  ])('refuses bad input (%#)', (input, message) => {
    const parsed = parseSceneGeometry(input);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.detail).toMatch(message);
  });
});
