import { HostLoad, systemCpu, type CpuTimes } from './host-load';

/** A two-core host whose busy time and this process's are set by the test, on a clock the test moves. */
function fakeHost() {
  const times: CpuTimes = { hostBusyMs: 0, ownMs: 0 };
  let now = 0;
  const load = new HostLoad({ cores: 2, read: () => ({ ...times }) }, 1000, () => now);
  /** One period in which the host was busy `busyCores` cores' worth, `ownCores` of them this process. */
  const period = (busyCores: number, ownCores: number) => {
    now += 1000;
    times.hostBusyMs += busyCores * 1000;
    times.ownMs += ownCores * 1000;
    load.sample();
  };
  return { load, period };
}

describe('HostLoad', () => {
  it('is not quiet before it has two samples', () => {
    const { load } = fakeHost();
    expect(load.quiet).toBe(false);
    load.sample();
    expect(load.quiet).toBe(false);
    expect(load.otherCores).toBe(Number.POSITIVE_INFINITY);
  });

  it("counts only other processes' CPU: this process may keep every core busy and the host stays quiet", () => {
    const { load, period } = fakeHost();
    load.sample();
    period(2, 2);
    expect(load.otherCores).toBe(0);
    expect(load.quiet).toBe(true);
    // Others at 0.4 of a core (under a quarter of two cores): still quiet.
    period(1.4, 1);
    expect(load.otherCores).toBeCloseTo(0.4, 6);
    expect(load.quiet).toBe(true);
  });

  it('is busy while others keep a quarter of the cores or more busy, and quiet again once they stop', () => {
    const { load, period } = fakeHost();
    load.sample();
    period(0.5, 0);
    expect(load.quiet).toBe(false);
    period(2, 0.2);
    expect(load.otherCores).toBeCloseTo(1.8, 6);
    expect(load.quiet).toBe(false);
    period(0.3, 0.3);
    expect(load.quiet).toBe(true);
  });

  it('reads real figures from this machine', () => {
    const source = systemCpu();
    const first = source.read();
    let spin = 0;
    for (let i = 0; i < 2e7; i++) spin += i % 7;
    const second = source.read();
    expect(spin).toBeGreaterThan(0);
    expect(source.cores).toBeGreaterThanOrEqual(1);
    expect(second.ownMs).toBeGreaterThan(first.ownMs);
    expect(second.hostBusyMs).toBeGreaterThanOrEqual(first.hostBusyMs);
  });
});
