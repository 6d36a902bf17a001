import { AdaptiveRate, MAX_FPS, MIN_FPS } from './adaptive-rate';

describe('AdaptiveRate', () => {
  it('clamps the target to the supported range', () => {
    expect(new AdaptiveRate(100).rate).toEqual({ fps: MAX_FPS, scale: 1 });
    expect(new AdaptiveRate(0).rate).toEqual({ fps: MIN_FPS, scale: 1 });
    expect(new AdaptiveRate(Number.NaN).rate).toEqual({ fps: 10, scale: 1 });
  });

  it('cuts at least a quarter even when the suggestion is not lower', () => {
    const rate = new AdaptiveRate(20);
    expect(rate.onSlowDown(25)).toEqual({ fps: 15, scale: 1 });
    expect(rate.onSlowDown(0)).toEqual({ fps: 11, scale: 1 });
  });

  it('shrinks frames only once the frame rate is at its floor, down to half size', () => {
    const rate = new AdaptiveRate(3);
    expect(rate.onSlowDown(1)).toEqual({ fps: 2, scale: 1 });
    expect(rate.onSlowDown(1)).toEqual({ fps: 2, scale: 0.75 });
    expect(rate.onSlowDown(1)).toEqual({ fps: 2, scale: 0.5 });
    expect(rate.onSlowDown(1)).toEqual({ fps: 2, scale: 0.5 });
  });

  it('keeps a fixed frame size at the frame rate floor, and drops an earlier reduction when it is fixed', () => {
    const rate = new AdaptiveRate(2);
    expect(rate.onSlowDown(1)).toEqual({ fps: 2, scale: 0.75 });
    expect(rate.setFixedSize(true)).toEqual({ fps: 2, scale: 1 });
    expect(rate.onSlowDown(1)).toEqual({ fps: 2, scale: 1 });
    expect(rate.reset()).toEqual({ fps: 2, scale: 1 });
    expect(rate.onSlowDown(1)).toEqual({ fps: 2, scale: 1 });
    rate.setFixedSize(false);
    expect(rate.onSlowDown(1)).toEqual({ fps: 2, scale: 0.75 });
  });

  it('never climbs above the target and a new target clears reductions', () => {
    const rate = new AdaptiveRate(10);
    rate.onSlowDown(4);
    for (let i = 0; i < 500; i++) rate.onResult();
    expect(rate.rate).toEqual({ fps: 10, scale: 1 });
    rate.onSlowDown(4);
    expect(rate.setTarget(6)).toEqual({ fps: 6, scale: 1 });
  });
});
