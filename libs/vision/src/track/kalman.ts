/**
 * A constant-velocity Kalman filter of a box (centre x, centre y, width, height) in continuous time: each coordinate
 * is an independent (position, velocity) pair whose noise scales with the box's height, so the same settings hold
 * for near and far objects, and prediction uses elapsed seconds, never a frame count.
 *
 * State per coordinate: [p, v, Ppp, Ppv, Pvv], plain numbers so a track serialises as JSON.
 */
export type AxisState = [number, number, number, number, number];
export type BoxState = [AxisState, AxisState, AxisState, AxisState];

/** Box as centre and size. */
export interface CxCyWh {
  cx: number;
  cy: number;
  w: number;
  h: number;
}

/** Measurement noise: standard deviation of a detected coordinate, as a fraction of the box height. */
export const MEASURE_FRACTION = 0.05;
const MEASURE_STD = MEASURE_FRACTION;
/** Process noise: standard deviation of acceleration, box heights per second squared. */
const ACCEL_STD = 2;
/** Initial velocity uncertainty, box heights per second. */
const VELOCITY_STD = 2;
/** Sizes change far more slowly than positions. */
const SIZE_NOISE = 0.25;

export function initBox(box: CxCyWh): BoxState {
  const h = Math.max(box.h, 1);
  const axis = (p: number, scale: number): AxisState => [
    p,
    0,
    (2 * MEASURE_STD * h * scale) ** 2,
    0,
    (VELOCITY_STD * h * scale) ** 2,
  ];
  return [axis(box.cx, 1), axis(box.cy, 1), axis(box.w, SIZE_NOISE), axis(box.h, SIZE_NOISE)];
}

/** Moves the state `dt` seconds ahead (dt <= 0 leaves it as it is). */
export function predictBox(state: BoxState, dt: number): BoxState {
  if (dt <= 0) return state;
  const h = Math.max(state[3][0], 1);
  return state.map((axis, i) => {
    const [p, v, pp, pv, vv] = axis;
    const q = (ACCEL_STD * h * (i >= 2 ? SIZE_NOISE : 1)) ** 2;
    // F = [[1, dt], [0, 1]]; Q for white-noise acceleration.
    return [
      p + v * dt,
      v,
      pp + 2 * dt * pv + dt * dt * vv + (q * dt ** 3) / 3,
      pv + dt * vv + (q * dt * dt) / 2,
      vv + q * dt,
    ] as AxisState;
  }) as BoxState;
}

/** Corrects the state with a measured box. */
export function correctBox(state: BoxState, box: CxCyWh): BoxState {
  const h = Math.max(box.h, 1);
  const measured = [box.cx, box.cy, box.w, box.h];
  return state.map((axis, i) => {
    const [p, v, pp, pv, vv] = axis;
    const r = (MEASURE_STD * h * (i >= 2 ? SIZE_NOISE : 1)) ** 2;
    const s = pp + r;
    const kp = pp / s;
    const kv = pv / s;
    const y = measured[i]! - p;
    return [p + kp * y, v + kv * y, (1 - kp) * pp, (1 - kp) * pv, vv - kv * pv] as AxisState;
  }) as BoxState;
}

export function boxOf(state: BoxState): CxCyWh {
  return { cx: state[0][0], cy: state[1][0], w: Math.max(state[2][0], 0), h: Math.max(state[3][0], 0) };
}
