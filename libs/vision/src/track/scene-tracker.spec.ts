import { type Box, type LineSpec, type ZoneSpec } from '@forgesyte/contracts';
import { ByteTracker, type TrackInput } from './byte-tracker';
import { SceneTracker, type SceneFrame, type SceneState } from './scene-tracker';

/** A 40x80 person box whose bottom centre is (x, y). */
function person(x: number, y: number, score = 0.9, label = 'person'): TrackInput {
  const box: Box = { x1: x - 20, y1: y - 80, x2: x + 20, y2: y };
  return { box, score, class_id: label === 'person' ? 0 : 2, label };
}

/** Positions at time t of objects moving at constant speed (pixels per second). */
type Path = (t: number) => [number, number] | null;
const linear =
  (x0: number, y0: number, vx: number, vy: number, until = Infinity): Path =>
  (t) =>
    t <= until ? [x0 + vx * t, y0 + vy * t] : null;

/** Runs paths sampled at `fps` for `seconds` through `step`; returns the frames' track ids per path. */
function run(
  paths: Path[],
  fps: number,
  seconds: number,
  step: (dets: TrackInput[], t: number) => (number | null)[],
  score: (pathIndex: number, frame: number) => number = () => 0.9,
): (number | null)[][] {
  const ids: (number | null)[][] = paths.map(() => []);
  for (let f = 0; f <= Math.round(seconds * fps); f++) {
    const t = f / fps;
    const present = paths.map((p, i) => ({ i, at: p(t) })).filter((p) => p.at !== null);
    const got = step(
      present.map(({ i, at }) => person(at![0], at![1], score(i, f))),
      t,
    );
    present.forEach(({ i }, k) => ids[i]!.push(got[k] ?? null));
  }
  return ids;
}

const confirmedIds = (ids: (number | null)[]) => [...new Set(ids.filter((id) => id !== null))];

describe('ByteTracker', () => {
  it('gives an id only once a track is confirmed, then keeps it for the whole path', () => {
    const tracker = new ByteTracker({ confirmFrames: 3 });
    const [ids = []] = run([linear(100, 200, 60, 0)], 10, 3, (d, t) => tracker.update(d, t).trackIds);
    expect(ids.slice(0, 3)).toEqual([null, null, 1]);
    expect(confirmedIds(ids)).toEqual([1]);
    expect(ids.slice(2).every((id) => id === 1)).toBe(true);
  });

  it('never confirms a detection that appears once, nor low-score detections alone', () => {
    const tracker = new ByteTracker();
    expect(tracker.update([person(100, 200)], 0).trackIds).toEqual([null]);
    expect(tracker.update([person(400, 200)], 0.1).trackIds).toEqual([null]);
    for (let f = 2; f < 10; f++) expect(tracker.update([person(100, 300, 0.3)], f / 10).trackIds).toEqual([null]);
    expect(tracker.snapshot().tracks).toEqual([]);
  });

  it('keeps a weakly detected object on its track through the low-score association', () => {
    const tracker = new ByteTracker();
    const [ids = []] = run(
      [linear(100, 200, 50, 0)],
      10,
      4,
      (d, t) => tracker.update(d, t).trackIds,
      (_i, f) => (f >= 10 && f < 30 ? 0.2 : 0.9),
    );
    expect(confirmedIds(ids)).toEqual([1]);
    expect(ids.slice(10, 30).every((id) => id === 1)).toBe(true);
  });

  it('bridges an occlusion shorter than lost_s with the same id, and not a longer one', () => {
    for (const [gap, expected] of [
      [0.6, [1]],
      [1.5, [1, 2]],
    ] as const) {
      const tracker = new ByteTracker({ lostS: 1 });
      const path = linear(100, 200, 80, 0);
      const hidden: Path = (t) => (t > 1 && t < 1 + gap ? null : path(t));
      const [ids = []] = run([hidden], 10, 3.5, (d, t) => tracker.update(d, t).trackIds);
      expect(confirmedIds(ids)).toEqual(expected);
    }
  });

  it('does not revive a track lost for longer than lost_s when no frame came in between', () => {
    const tracker = new ByteTracker({ lostS: 1, confirmFrames: 2 });
    for (const t of [0, 0.1, 0.2]) tracker.update([person(100, 200)], t);
    // Missed on one frame (lost), then frames stop for 5 s: the object standing in the same place is a new track.
    tracker.update([], 0.3);
    expect(tracker.update([person(100, 200)], 5.3).trackIds).toEqual([null]);
    expect(tracker.update([person(100, 200)], 5.4).trackIds).toEqual([2]);
  });

  it('ends every track on request and never reuses an id', () => {
    const tracker = new ByteTracker({ confirmFrames: 2 });
    for (const t of [0, 0.1]) tracker.update([person(100, 200)], t);
    tracker.endTracks();
    expect(tracker.snapshot().tracks).toEqual([]);
    expect(tracker.update([person(100, 200)], 0.2).trackIds).toEqual([null]);
    expect(tracker.update([person(100, 200)], 0.3).trackIds).toEqual([2]);
  });

  it('keeps the ids of two objects that cross each other', () => {
    const tracker = new ByteTracker();
    const [a = [], b = []] = run(
      [linear(50, 300, 150, 0), linear(650, 320, -150, 0)],
      10,
      4,
      (d, t) => tracker.update(d, t).trackIds,
    );
    expect(confirmedIds(a)).toEqual([1]);
    expect(confirmedIds(b)).toEqual([2]);
  });

  it('uses time, not frames: the same motion sampled at 30 and 3 fps keeps one id', () => {
    for (const fps of [30, 3]) {
      const tracker = new ByteTracker({ confirmFrames: 2 });
      // 120 px/s: at 3 fps a step of 40 px, as wide as the box, which the velocity estimate must bridge.
      const [ids = []] = run([linear(100, 200, 120, 0)], fps, 4, (d, t) => tracker.update(d, t).trackIds);
      expect(confirmedIds(ids)).toEqual([1]);
      expect(ids.filter((id) => id === null)).toHaveLength(1);
    }
  });

  it('tracks only the classes it is given', () => {
    const tracker = new ByteTracker({ classes: ['car'], confirmFrames: 1 });
    expect(tracker.update([person(100, 200), person(300, 200, 0.9, 'car')], 0).trackIds).toEqual([null, 1]);
  });
});

describe('SceneTracker', () => {
  // A horizontal door at y = 300 drawn left to right: walking down through it is `in`.
  const lines: LineSpec[] = [{ id: 'door', from: [0, 300], to: [800, 300] }];
  const zones: ZoneSpec[] = [
    {
      id: 'bay',
      points: [
        [400, 0],
        [800, 0],
        [800, 600],
        [400, 600],
      ],
    },
  ];

  function frames(scene: SceneTracker, paths: Path[], fps: number, seconds: number, from = 0): SceneFrame[] {
    const out: SceneFrame[] = [];
    for (let f = from; f <= Math.round(seconds * fps); f++) {
      const t = f / fps;
      const dets = paths.flatMap((p) => {
        const at = p(t);
        return at ? [person(at[0], at[1])] : [];
      });
      out.push(scene.update(dets, t));
    }
    return out;
  }

  it('ends the tracks and keeps the counts: nothing is counted across the interruption', () => {
    const scene = new SceneTracker({ lines, zones });
    const a = linear(100, 225, 0, 100); // crosses y = 300 at t = 0.75
    const b = linear(500, 150, 0, 100); // in the bay, crosses at t = 1.5
    const before = frames(scene, [a, b], 10, 1.2);
    expect(before.at(-1)!.lines).toEqual([{ id: 'door', in: 1, out: 0 }]);
    expect(before.at(-1)!.zones).toEqual([{ id: 'bay', count: 1, track_ids: [2] }]);
    scene.endTracks();
    // The stream comes back at t = 1.6, both walkers already below the door.
    const after = frames(scene, [a, b], 10, 3, 16);
    expect(after.at(-1)!.lines).toEqual([{ id: 'door', in: 1, out: 0 }]);
    expect(after[0]!.events).toEqual([{ type: 'zone_left', zone_id: 'bay', track_id: 2 }]);
    const ids = after.at(-1)!.zones![0]!.track_ids;
    expect(ids).toHaveLength(1);
    expect(ids[0]).toBeGreaterThan(2);
  });

  it('counts in and out per line and reports the events of each frame', () => {
    const scene = new SceneTracker({ lines });
    const down = linear(100, 150, 0, 100); // crosses y = 300 at t = 1.5
    const up = linear(300, 450, 0, -100);
    const out = frames(scene, [down, up], 10, 3);
    expect(out.at(-1)!.lines).toEqual([{ id: 'door', in: 1, out: 1 }]);
    const events = out.flatMap((f) => f.events ?? []);
    expect(events).toEqual([
      { type: 'line_crossed', line_id: 'door', track_id: 1, direction: 'in' },
      { type: 'line_crossed', line_id: 'door', track_id: 2, direction: 'out' },
    ]);
  });

  it('counts back-and-forth crossings each once and jitter on the line never', () => {
    const scene = new SceneTracker({ lines });
    // Down through the door, back up, down again; then it stands on the line shaking by ±4 px.
    const path: Path = (t) => {
      if (t <= 2) return [100, 200 + 100 * t];
      if (t <= 4) return [100, 400 - 100 * (t - 2)];
      if (t <= 6) return [100, 200 + 100 * (t - 4)];
      return [100, 400 + (Math.round(t * 10) % 2 === 0 ? 4 : -4) - (t < 7 ? 100 * (t - 6) : 100)];
    };
    const out = frames(scene, [path], 10, 6);
    expect(out.at(-1)!.lines).toEqual([{ id: 'door', in: 2, out: 1 }]);
    expect(out.flatMap((f) => f.events ?? []).map((e) => e.type === 'line_crossed' && e.direction)).toEqual([
      'in',
      'out',
      'in',
    ]);
    const jitter = frames(scene, [path], 10, 9, 61);
    expect(jitter.at(-1)!.lines).toEqual([{ id: 'door', in: 2, out: 1 }]);
  });

  it('never counts unconfirmed tracks, and respects the line classes', () => {
    const scene = new SceneTracker({
      tracker: { confirmFrames: 5 },
      lines: [
        { ...lines[0]!, classes: ['car'] },
        { id: 'all', from: [0, 300], to: [800, 300] },
      ],
    });
    // Crosses before it could be confirmed (5 frames at 10 fps), then walks on.
    const fast = linear(100, 280, 0, 100);
    const out = frames(scene, [fast], 10, 2);
    expect(out.at(-1)!.lines).toEqual([
      { id: 'door', in: 0, out: 0 },
      { id: 'all', in: 0, out: 0 },
    ]);
  });

  it('reports zone occupancy by bottom centre, with entered and left events', () => {
    const scene = new SceneTracker({ zones });
    const across = linear(200, 400, 100, 0); // enters x >= 400 at t = 2, leaves the picture at t = 7
    const out = frames(scene, [across], 10, 4);
    expect(out[15]!.zones).toEqual([{ id: 'bay', count: 0, track_ids: [] }]);
    expect(out[25]!.zones).toEqual([{ id: 'bay', count: 1, track_ids: [1] }]);
    const events = out.flatMap((f) => f.events ?? []);
    expect(events).toEqual([{ type: 'zone_entered', zone_id: 'bay', track_id: 1 }]);
    expect(out[20]!.events).toEqual([{ type: 'zone_entered', zone_id: 'bay', track_id: 1 }]);
    // Gone for longer than lost_s: it leaves the zone.
    const after = [1, 2, 3, 4].map((k) => scene.update([], 4 + k * 0.5));
    expect(after.flatMap((f) => f.events ?? [])).toEqual([{ type: 'zone_left', zone_id: 'bay', track_id: 1 }]);
    expect(after.at(-1)!.zones).toEqual([{ id: 'bay', count: 0, track_ids: [] }]);
  });

  it('reports no lines, zones or events without geometry', () => {
    const frame = new SceneTracker().update([person(1, 1)], 0);
    expect(frame).toEqual({ trackIds: [null] });
  });

  it('continues from a JSON snapshot exactly as an uninterrupted scene', () => {
    const paths = [linear(100, 150, 10, 100), linear(300, 450, 0, -100), linear(200, 350, 150, 0)];
    const whole = new SceneTracker({ lines, zones });
    const expected = frames(whole, paths, 10, 4);
    const first = new SceneTracker({ lines, zones });
    const head = frames(first, paths, 10, 1.7);
    const state = JSON.parse(JSON.stringify(first.snapshot())) as SceneState;
    const resumed = new SceneTracker({ lines, zones }, state);
    const tail = frames(resumed, paths, 10, 4, 18);
    expect([...head, ...tail]).toEqual(expected);
    expect(resumed.snapshot()).toEqual(whole.snapshot());
    expect(expected.at(-1)!.lines).toEqual([{ id: 'door', in: 1, out: 1 }]);
  });
});
