import { BackpressurePolicy, type Evaluation, type FrameOutcome } from './backpressure-policy';

/** Feeds frames at a fixed rate on a simulated clock; `outcome(i)` says what happened to frame i. */
function drive(
  policy: BackpressurePolicy,
  from: { t: number },
  fps: number,
  seconds: number,
  outcome: (i: number) => FrameOutcome,
): Evaluation[] {
  const out: Evaluation[] = [];
  const frames = Math.round(fps * seconds);
  for (let i = 0; i < frames; i++) {
    out.push(policy.record(from.t, outcome(i)));
    from.t += 1000 / fps;
  }
  return out;
}

const make = () => new BackpressurePolicy({ dropThreshold: 0.1, slowdownThreshold: 0.3 });

describe('BackpressurePolicy', () => {
  it('stays normal and silent while no frame is dropped', () => {
    const p = make();
    const evals = drive(p, { t: 0 }, 30, 10, () => 'accepted');
    expect(evals.every((e) => e.state === 'normal' && !e.slowDown && e.dropRate === 0)).toBe(true);
  });

  it('judges nothing before minFrames frames are in the window', () => {
    const p = make();
    const evals = drive(p, { t: 0 }, 30, 7 / 30, () => 'busy');
    expect(evals.map((e) => e.state)).toEqual(Array(7).fill('normal'));
    expect(p.record(300, 'busy').state).toBe('critical');
  });

  it('goes to warning between the two thresholds, without a signal', () => {
    const p = make();
    // 1 frame in 5 dropped: 20 %
    const evals = drive(p, { t: 0 }, 30, 4, (i) => (i % 5 === 0 ? 'busy' : 'accepted'));
    const late = evals.slice(60);
    expect(late.every((e) => e.state === 'warning')).toBe(true);
    expect(evals.some((e) => e.slowDown)).toBe(false);
    expect(late[late.length - 1]?.dropRate).toBeCloseTo(0.2, 1);
  });

  it('sends slow_down above the slowdown threshold at most once per window', () => {
    const p = make();
    const clock = { t: 0 };
    // half of all frames dropped for 10 s at 30 fps
    const evals = drive(p, clock, 30, 10, (i) => (i % 2 ? 'busy' : 'accepted'));
    const signalTimes = evals.flatMap((e, i) => (e.slowDown ? [(i * 1000) / 30] : []));
    expect(signalTimes.length).toBeGreaterThanOrEqual(4);
    expect(signalTimes.length).toBeLessThanOrEqual(5);
    signalTimes.slice(1).forEach((t, i) => expect(t - (signalTimes[i] ?? NaN)).toBeGreaterThanOrEqual(p.windowMs));
    const first = evals.find((e) => e.slowDown)!;
    expect(first.state).toBe('critical');
    expect(first.previous).toBe('normal');
    expect(first.slowDown!.drop_rate).toBeGreaterThan(0.3);
    expect(first.slowDown!.window_ms).toBe(2000);
  });

  it('suggests the fps the session could sustain from its processing time when its own frames collide', () => {
    const p = make();
    // 70 ms per frame: capacity ~14 fps; the client sends 30 fps and 2 of 3 frames collide.
    for (let i = 0; i < 5; i++) p.recordProcessing(70);
    const evals = drive(p, { t: 0 }, 30, 3, (i) => (i % 3 === 0 ? 'accepted' : 'busy'));
    const signal = evals.find((e) => e.slowDown)!.slowDown!;
    expect(signal.suggested_fps).toBe(Math.floor((1000 / 70) * 0.9));
    expect(signal.drop_rate).toBeCloseTo(0.667, 1);
  });

  it('suggests the rate the client was served when the shared scheduler is saturated', () => {
    const p = make();
    for (let i = 0; i < 5; i++) p.recordProcessing(20);
    // 20 fps sent, only 1 in 4 gets a scheduler slot: served ~5 fps.
    const clock = { t: 0 };
    drive(p, clock, 20, 1.9, (i) => (i % 4 === 0 ? 'accepted' : 'saturated'));
    const evals = drive(p, clock, 20, 3, (i) => (i % 4 === 0 ? 'accepted' : 'saturated'));
    const signal = evals.find((e) => e.slowDown)!.slowDown!;
    // 90 % of ~5 fps; the window edge holds a frame more or less
    expect(signal.suggested_fps).toBeGreaterThanOrEqual(4);
    expect(signal.suggested_fps).toBeLessThanOrEqual(5);
  });

  it('never suggests less than 1 fps nor more than the client sends', () => {
    const p = make();
    p.recordProcessing(1);
    const evals = drive(p, { t: 0 }, 10, 3, (i) => (i % 2 ? 'busy' : 'accepted'));
    const signal = evals.find((e) => e.slowDown)!.slowDown!;
    expect(signal.suggested_fps).toBeLessThanOrEqual(10);
    const q = make();
    const starved = drive(q, { t: 0 }, 10, 3, () => 'saturated');
    expect(starved.find((e) => e.slowDown)!.slowDown!.suggested_fps).toBe(1);
  });

  it('recovers to normal once the drops leave the window, and signals again on a new overload', () => {
    const p = make();
    const clock = { t: 0 };
    drive(p, clock, 30, 3, (i) => (i % 2 ? 'busy' : 'accepted'));
    expect(p.state).toBe('critical');
    const calm = drive(p, clock, 15, 3, () => 'accepted');
    const back = calm.find((e) => e.previous === 'critical' || e.previous === 'warning');
    expect(back).toBeDefined();
    expect(p.state).toBe('normal');
    // recovery happens within one window of the last drop
    const recoveredAt = calm.findIndex((e) => e.state === 'normal');
    expect((recoveredAt * 1000) / 15).toBeLessThanOrEqual(p.windowMs);
    const again = drive(p, clock, 30, 2, (i) => (i % 2 ? 'saturated' : 'accepted'));
    expect(again.some((e) => e.slowDown)).toBe(true);
  });

  it('forgets a long pause: the first frames after it are judged on their own', () => {
    const p = make();
    const clock = { t: 0 };
    drive(p, clock, 30, 2, () => 'busy');
    expect(p.state).toBe('critical');
    clock.t += 60_000;
    const evals = drive(p, clock, 30, 1, () => 'accepted');
    expect(evals[0]?.state).toBe('normal');
    expect(p.window(clock.t).busy).toBe(0);
  });

  it('counts every kind of drop in the rate', () => {
    const p = make();
    const kinds: FrameOutcome[] = ['accepted', 'busy', 'saturated', 'client_slow'];
    drive(p, { t: 0 }, 20, 1, (i) => kinds[i % 4] ?? 'accepted');
    const w = p.window(1000);
    expect(w).toEqual({ accepted: 5, busy: 5, saturated: 5, clientSlow: 5, total: 20 });
  });

  it('keeps constant memory whatever the frame rate', () => {
    const p = make();
    drive(p, { t: 0 }, 1000, 20, (i) => (i % 3 ? 'accepted' : 'busy'));
    // the ring never grows: its buckets hold counts, not frames
    expect(JSON.stringify(p).length).toBeLessThan(2000);
  });
});
