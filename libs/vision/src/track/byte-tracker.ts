import { type Box } from '@forgesyte/contracts';
import { iou } from '../boxes';
import { greedyAssign } from './assignment';
import { boxOf, correctBox, initBox, MEASURE_FRACTION, predictBox, type BoxState, type CxCyWh } from './kalman';

export interface TrackerOptions {
  /** Detections at or above this score start tracks and take part in the first association. */
  highThreshold: number;
  /** Detections from this score up to `highThreshold` only keep existing tracks alive (second association). */
  lowThreshold: number;
  /** Consecutive frames a new track must be matched before it is confirmed and gets an id. */
  confirmFrames: number;
  /** Seconds a confirmed track that is no longer matched is kept (predicted) before it is dropped. */
  lostS: number;
  /** Minimum IoU between a track's predicted box and a high-score detection. */
  matchIou: number;
  /** Minimum IoU for the second (low-score) association, stricter since those detections are doubtful. */
  lowMatchIou: number;
  /** Labels to track; omitted or null: every label. */
  classes?: string[] | null;
}

export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = {
  highThreshold: 0.5,
  lowThreshold: 0.1,
  confirmFrames: 3,
  lostS: 1,
  matchIou: 0.2,
  lowMatchIou: 0.5,
  classes: null,
};

/** What the tracker reads of a detection. */
export interface TrackInput {
  box: Box;
  score: number;
  class_id: number;
  label: string;
}

/** One track, plain data so the tracker's state serialises as JSON. */
export interface TrackRecord {
  /** Internal sequence number, every track has one. */
  seq: number;
  /** Public id, given at confirmation: 1, 2, 3... in the order tracks are confirmed. */
  id: number | null;
  classId: number;
  label: string;
  kf: BoxState;
  hits: number;
  status: 'tentative' | 'tracked' | 'lost';
  lastSeenS: number;
}

export interface TrackerState {
  nextSeq: number;
  nextId: number;
  timeS: number | null;
  tracks: TrackRecord[];
}

export interface TrackerUpdate {
  /** Per input detection: the confirmed track it belongs to, or null. */
  trackIds: (number | null)[];
  /** Confirmed tracks matched on this frame, with the detection they matched. */
  observed: { id: number; label: string; box: Box }[];
  /** Confirmed tracks still kept (matched now or lost for less than `lostS`). */
  alive: { id: number; label: string }[];
}

/**
 * ByteTrack-style multi-object tracking: a constant-velocity Kalman filter per track (in time, not frames), a first
 * association of high-score detections with confirmed and lost tracks, a second of low-score detections with the
 * tracks still unmatched, then new tracks that must be matched `confirmFrames` frames in a row before they get an id.
 */
export class ByteTracker {
  readonly options: TrackerOptions;
  private state: TrackerState;

  constructor(options: Partial<TrackerOptions> = {}, state?: TrackerState) {
    this.options = { ...DEFAULT_TRACKER_OPTIONS, ...options };
    this.state = state ? structuredClone(state) : { nextSeq: 1, nextId: 1, timeS: null, tracks: [] };
  }

  /** A copy of the state, to store and later pass to the constructor. */
  snapshot(): TrackerState {
    return structuredClone(this.state);
  }

  /**
   * Ends every track (the stream was interrupted: a new connection to a camera). Ids are never reused; the next
   * objects start new tracks that must be confirmed again.
   */
  endTracks(): void {
    this.state.tracks = [];
  }

  update(detections: TrackInput[], timeS: number): TrackerUpdate {
    const o = this.options;
    const s = this.state;
    const dt = s.timeS === null ? 0 : Math.max(0, timeS - s.timeS);
    s.timeS = s.timeS === null ? timeS : Math.max(s.timeS, timeS);
    // A track already lost for longer than lostS at this frame's time is gone: it matches nothing, however long
    // the gap since the previous frame (its uncertainty would have grown to take any detection nearby).
    s.tracks = s.tracks.filter((t) => t.status !== 'lost' || s.timeS! - t.lastSeenS <= o.lostS);
    for (const t of s.tracks) t.kf = predictBox(t.kf, dt);

    const trackIds: (number | null)[] = detections.map(() => null);
    const usable = detections
      .map((d, i) => ({ d, i }))
      .filter(({ d }) => d.score >= o.lowThreshold && (!o.classes || o.classes.includes(d.label)));
    const high = usable.filter(({ d }) => d.score >= o.highThreshold);
    const low = usable.filter(({ d }) => d.score < o.highThreshold);
    const matched = new Set<TrackRecord>();
    const observed: TrackerUpdate['observed'] = [];
    const take = (track: TrackRecord, det: { d: TrackInput; i: number }) => {
      track.kf = correctBox(track.kf, toCxCyWh(det.d.box));
      track.hits++;
      track.lastSeenS = s.timeS!;
      matched.add(track);
      if (track.status === 'tentative' && track.hits >= o.confirmFrames) track.id = s.nextId++;
      if (track.id !== null) {
        track.status = 'tracked';
        trackIds[det.i] = track.id;
        observed.push({ id: track.id, label: track.label, box: det.d.box });
      }
    };

    // 1. High-score detections against confirmed tracks, found or lost.
    const confirmed = s.tracks.filter((t) => t.status !== 'tentative');
    const first = associate(confirmed, high, o.matchIou);
    for (const [t, d] of first.pairs) take(t, d);
    // 2. Low-score detections keep tracks that were found on the previous frame.
    const stillTracked = first.rows.filter((t) => t.status === 'tracked');
    for (const [t, d] of associate(stillTracked, low, o.lowMatchIou).pairs) take(t, d);
    // 3. High-score detections left over against tentative tracks; the rest start tracks.
    const tentative = s.tracks.filter((t) => t.status === 'tentative');
    const third = associate(tentative, first.cols, o.matchIou);
    for (const [t, d] of third.pairs) take(t, d);
    const born = third.cols;

    s.tracks = s.tracks.filter((t) => {
      if (matched.has(t)) return true;
      if (t.status === 'tentative') return false; // a new track must be seen frame after frame
      t.status = 'lost';
      return s.timeS! - t.lastSeenS <= o.lostS;
    });
    for (const det of born) {
      const track: TrackRecord = {
        seq: s.nextSeq++,
        id: null,
        classId: det.d.class_id,
        label: det.d.label,
        kf: initBox(toCxCyWh(det.d.box)),
        hits: 0,
        status: 'tentative',
        lastSeenS: s.timeS,
      };
      s.tracks.push(track);
      take(track, det);
    }
    const alive = s.tracks.flatMap((t) => (t.id === null ? [] : [{ id: t.id, label: t.label }]));
    return { trackIds, observed, alive };
  }
}

/** Pairs tracks with detections by `matchScore`, same class only; what is left over on each side too. */
function associate<D extends { d: TrackInput }>(
  tracks: TrackRecord[],
  dets: D[],
  minScore: number,
): { pairs: [TrackRecord, D][]; rows: TrackRecord[]; cols: D[] } {
  if (tracks.length === 0) return { pairs: [], rows: [], cols: dets };
  const scores = tracks.map((t) => dets.map(({ d }) => (d.class_id === t.classId ? matchScore(t, d.box) : 0)));
  const { pairs, rows, cols } = greedyAssign(scores, Math.max(minScore, 1e-9));
  return {
    pairs: pairs.map(([r, c]) => [tracks[r]!, dets[c]!]),
    rows: rows.map((r) => tracks[r]!),
    cols: cols.map((c) => dets[c]!),
  };
}

/** chi-square, 2 degrees of freedom, 99 %: beyond this the detection is not where the track could be. */
const GATE = 9.21;

/**
 * How well a detection fits a track: the IoU with the predicted box, or, when the filter is still unsure where the
 * object is (a track seen once has no velocity yet; frames may be far apart), how likely its centre is under the
 * prediction's uncertainty times how alike the sizes are. A well-predicted track scores by IoU alone.
 */
function matchScore(track: TrackRecord, det: Box): number {
  const predicted = boxOf(track.kf);
  const overlap = iou(toBox(predicted), det);
  const c = toCxCyWh(det);
  const d2 =
    (c.cx - predicted.cx) ** 2 / (track.kf[0][2] + (MEASURE_FRACTION * c.h) ** 2) +
    (c.cy - predicted.cy) ** 2 / (track.kf[1][2] + (MEASURE_FRACTION * c.h) ** 2);
  if (d2 > GATE) return overlap;
  const shape = iou(toBox({ ...predicted, cx: 0, cy: 0 }), toBox({ ...c, cx: 0, cy: 0 }));
  return Math.max(overlap, shape * Math.exp(-d2 / 2));
}

function toCxCyWh(b: Box): CxCyWh {
  return { cx: (b.x1 + b.x2) / 2, cy: (b.y1 + b.y2) / 2, w: b.x2 - b.x1, h: b.y2 - b.y1 };
}

function toBox(c: CxCyWh): Box {
  return { x1: c.cx - c.w / 2, y1: c.cy - c.h / 2, x2: c.cx + c.w / 2, y2: c.cy + c.h / 2 };
}
