import { SceneDraft, nextShapeId, toImagePoint } from './scene-draft';

describe('toImagePoint', () => {
  it('maps client pixels to image pixels through object-fit: contain', () => {
    // 640x480 image shown in an 800x800 box at (100, 50): scale 1.25, 100 px bars above and below.
    const box = { left: 100, top: 50, width: 800, height: 800 };
    expect(toImagePoint(100, 150, box, { width: 640, height: 480 })).toEqual([0, 0]);
    expect(toImagePoint(900, 750, box, { width: 640, height: 480 })).toEqual([640, 480]);
    expect(toImagePoint(500, 450, box, { width: 640, height: 480 })).toEqual([320, 240]);
  });

  it('ignores clicks on the letterbox bars and empty images', () => {
    const box = { left: 0, top: 0, width: 800, height: 800 };
    expect(toImagePoint(400, 50, box, { width: 640, height: 480 })).toBeNull();
    expect(toImagePoint(400, 400, box, { width: 0, height: 0 })).toBeNull();
  });
});

describe('SceneDraft', () => {
  it('finishes a line on its second click', () => {
    const draft = new SceneDraft('line');
    expect(draft.click([10, 100], 'door')).toBeNull();
    expect(draft.points).toEqual([[10, 100]]);
    expect(draft.geometry.lines).toEqual([]);
    expect(draft.click([300, 100], 'door')).toBeNull();
    expect(draft.points).toEqual([]);
    expect(draft.geometry).toEqual({ lines: [{ id: 'door', from: [10, 100], to: [300, 100] }], zones: [] });
  });

  it('grows a zone until it is closed, ignoring the repeated point of a double-click', () => {
    const draft = new SceneDraft('zone');
    draft.click([0, 0], 'bay');
    draft.click([100, 0], 'bay');
    expect(draft.closeZone('bay')).toBe('A zone needs at least three points.');
    draft.click([100, 100], 'bay');
    draft.click([100, 100], 'bay');
    expect(draft.points).toHaveLength(3);
    expect(draft.closeZone('bay')).toBeNull();
    expect(draft.geometry.zones).toEqual([
      {
        id: 'bay',
        points: [
          [0, 0],
          [100, 0],
          [100, 100],
        ],
      },
    ]);
  });

  it('refuses what the server would refuse, keeping the accepted shapes', () => {
    const draft = new SceneDraft('line');
    draft.click([0, 0], 'door');
    draft.click([50, 0], 'door');
    draft.click([0, 10], 'door');
    expect(draft.click([50, 10], 'door')).toMatch(/door/);
    expect(draft.geometry.lines).toHaveLength(1);
    draft.clear();
    expect(draft.geometry).toEqual({ lines: [], zones: [] });
  });

  it('adds to saved lines and zones after load', () => {
    const draft = new SceneDraft('line');
    draft.click([1, 1], 'gone');
    draft.load({ lines: [{ id: 'door', from: [0, 0], to: [10, 0] }], zones: [] });
    expect(draft.points).toEqual([]);
    // The saved id stays taken.
    expect(draft.click([0, 5], 'door')).toBeNull();
    expect(draft.click([10, 5], 'door')).toContain('door');
    draft.click([0, 5], 'line1');
    draft.click([10, 5], 'line1');
    expect(draft.geometry.lines.map((l) => l.id)).toEqual(['door', 'line1']);
  });

  it('drops an unfinished shape when the shape changes', () => {
    const draft = new SceneDraft('line');
    draft.click([0, 0], 'a');
    draft.setShape('zone');
    expect(draft.points).toEqual([]);
  });
});

describe('nextShapeId', () => {
  it('numbers past the ids already taken', () => {
    expect(nextShapeId('line', { lines: [], zones: [] })).toBe('line1');
    expect(
      nextShapeId('line', { lines: [{ id: 'line1', from: [0, 0], to: [1, 1] }], zones: [{ id: 'line2', points: [] }] }),
    ).toBe('line3');
  });
});
