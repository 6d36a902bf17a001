import {
  DEFAULT_HYSTERESIS_PX,
  type Box,
  type LineCount,
  type LineSpec,
  type Point,
  type SceneEvent,
  type ZoneCount,
  type ZoneSpec,
} from '@forgesyte/contracts';
import { ByteTracker, type TrackerOptions, type TrackerState, type TrackInput } from './byte-tracker';
import { pointInPolygon, stepLine, type CrossingState } from './scene-geometry';

export interface SceneOptions {
  tracker?: Partial<TrackerOptions>;
  lines?: LineSpec[];
  zones?: ZoneSpec[];
}

/** Everything a scene needs to continue exactly where it was: plain JSON. */
export interface SceneState {
  version: 1;
  tracker: TrackerState;
  lines: LineCount[];
  /** Per confirmed track: its label and last bottom centre. */
  tracks: { id: number; label: string; point: Point }[];
  /** Per (track, line): where the track stands with the line. */
  crossings: { track: number; line: string; side: -1 | 0 | 1; armed: boolean }[];
  /** Per zone: the tracks in it after the last frame. */
  zones: { id: string; track_ids: number[] }[];
}

/** What a scene says about one frame. `lines`, `zones` and `events` only when the scene has lines or zones. */
export interface SceneFrame {
  /** Per input detection: its confirmed track id, or null. */
  trackIds: (number | null)[];
  lines?: LineCount[];
  zones?: ZoneCount[];
  events?: SceneEvent[];
}

/**
 * A tracker with lines and zones: one per live session, camera or job. Frames must come in time order; the
 * state (`snapshot()`) restores a scene that continues as if it had never stopped.
 */
export class SceneTracker {
  readonly lines: LineSpec[];
  readonly zones: ZoneSpec[];
  private readonly tracker: ByteTracker;
  private readonly counts = new Map<string, LineCount>();
  private readonly tracks = new Map<number, { label: string; point: Point }>();
  private readonly crossings = new Map<string, CrossingState>();
  private readonly members = new Map<string, number[]>();

  constructor(options: SceneOptions = {}, state?: SceneState) {
    this.lines = options.lines ?? [];
    this.zones = options.zones ?? [];
    this.tracker = new ByteTracker(options.tracker, state?.tracker);
    for (const line of this.lines) this.counts.set(line.id, { id: line.id, in: 0, out: 0 });
    for (const zone of this.zones) this.members.set(zone.id, []);
    if (!state) return;
    for (const c of state.lines) if (this.counts.has(c.id)) this.counts.set(c.id, { ...c });
    for (const t of state.tracks) this.tracks.set(t.id, { label: t.label, point: [...t.point] });
    for (const c of state.crossings) this.crossings.set(key(c.track, c.line), { side: c.side, armed: c.armed });
    for (const z of state.zones) if (this.members.has(z.id)) this.members.set(z.id, [...z.track_ids]);
  }

  get hasGeometry(): boolean {
    return this.lines.length > 0 || this.zones.length > 0;
  }

  /** The cumulative line counts so far. */
  lineCounts(): LineCount[] {
    return this.lines.map((l) => ({ ...this.counts.get(l.id)! }));
  }

  /**
   * Ends every track and keeps the counts: the stream was interrupted (a camera's new connection), so where an
   * object was before says nothing about where it is now. Zones report the ended tracks as left on the next frame.
   */
  endTracks(): void {
    this.tracker.endTracks();
    this.tracks.clear();
    this.crossings.clear();
  }

  snapshot(): SceneState {
    return {
      version: 1,
      tracker: this.tracker.snapshot(),
      lines: this.lineCounts(),
      tracks: [...this.tracks].map(([id, t]) => ({ id, label: t.label, point: [...t.point] })),
      crossings: [...this.crossings].map(([k, c]) => {
        const [track, line] = splitKey(k);
        return { track, line, ...c };
      }),
      zones: [...this.members].map(([id, ids]) => ({ id, track_ids: [...ids] })),
    };
  }

  /** Tracks one frame's detections taken at `timeS` seconds, and counts what crossed and who is where. */
  update(detections: TrackInput[], timeS: number): SceneFrame {
    const update = this.tracker.update(detections, timeS);
    const events: SceneEvent[] = [];
    for (const seen of [...update.observed].sort((a, b) => a.id - b.id)) {
      const point = bottomCentre(seen.box);
      const prev = this.tracks.get(seen.id)?.point ?? null;
      for (const line of this.lines) {
        if (line.classes && !line.classes.includes(seen.label)) continue;
        const k = key(seen.id, line.id);
        const step = stepLine(
          this.crossings.get(k) ?? { side: 0, armed: false },
          prev,
          point,
          line,
          line.hysteresis_px ?? DEFAULT_HYSTERESIS_PX,
        );
        this.crossings.set(k, step.state);
        if (step.crossed) {
          this.counts.get(line.id)![step.crossed]++;
          events.push({ type: 'line_crossed', line_id: line.id, track_id: seen.id, direction: step.crossed });
        }
      }
      this.tracks.set(seen.id, { label: seen.label, point });
    }
    const alive = new Set(update.alive.map((t) => t.id));
    for (const id of this.tracks.keys()) if (!alive.has(id)) this.tracks.delete(id);
    for (const k of this.crossings.keys()) if (!alive.has(splitKey(k)[0])) this.crossings.delete(k);

    const zones: ZoneCount[] = this.zones.map((zone) => {
      const now = [...this.tracks]
        .filter(([, t]) => (!zone.classes || zone.classes.includes(t.label)) && pointInPolygon(t.point, zone.points))
        .map(([id]) => id)
        .sort((a, b) => a - b);
      const before = this.members.get(zone.id)!;
      for (const id of now)
        if (!before.includes(id)) events.push({ type: 'zone_entered', zone_id: zone.id, track_id: id });
      for (const id of before)
        if (!now.includes(id)) events.push({ type: 'zone_left', zone_id: zone.id, track_id: id });
      this.members.set(zone.id, now);
      return { id: zone.id, count: now.length, track_ids: now };
    });

    const frame: SceneFrame = { trackIds: update.trackIds };
    if (this.lines.length > 0) frame.lines = this.lineCounts();
    if (this.zones.length > 0) frame.zones = zones;
    if (this.hasGeometry) frame.events = events;
    return frame;
  }
}

function bottomCentre(b: Box): Point {
  return [(b.x1 + b.x2) / 2, b.y2];
}

function key(track: number, line: string): string {
  return `${track}\u0000${line}`;
}

function splitKey(k: string): [number, string] {
  const at = k.indexOf('\u0000');
  return [Number(k.slice(0, at)), k.slice(at + 1)];
}
