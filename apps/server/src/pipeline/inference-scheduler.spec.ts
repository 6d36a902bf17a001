import { InferenceScheduler } from './inference-scheduler';
import { SchedulerSaturatedError } from './pipeline.errors';

/** Work that finishes when the test says so, and records when it started. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    work: async () => {
      log.push(`start ${name}`);
      await opened;
      return name;
    },
    open,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('InferenceScheduler', () => {
  it('refuses live work at once when every slot and the live queue are taken', async () => {
    const log: string[] = [];
    const s = new InferenceScheduler({ concurrency: 1, liveQueue: 1 });
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const first = s.run('live', a.work);
    const queued = s.run('live', b.work);
    await expect(s.run('live', () => Promise.resolve('c'))).rejects.toBeInstanceOf(SchedulerSaturatedError);
    expect(log).toEqual(['start a']);
    a.open();
    b.open();
    await expect(first).resolves.toBe('a');
    await expect(queued).resolves.toBe('b');
    expect(log).toEqual(['start a', 'start b']);
  });

  it('makes job work wait instead of refusing it, however many are queued', async () => {
    const log: string[] = [];
    const s = new InferenceScheduler({ concurrency: 1, liveQueue: 0 });
    const gates = Array.from({ length: 5 }, (_, i) => gate(log, `j${i}`));
    const runs = gates.map((g) => s.run('job', g.work));
    await tick();
    expect(s.stats).toMatchObject({ running: 1, jobsWaiting: 4 });
    gates.forEach((g) => g.open());
    await expect(Promise.all(runs)).resolves.toEqual(['j0', 'j1', 'j2', 'j3', 'j4']);
    expect(s.stats).toEqual({ running: 0, runningJobs: 0, liveWaiting: 0, jobsWaiting: 0 });
  });

  it('hands a freed slot to waiting live work before waiting jobs', async () => {
    const log: string[] = [];
    const s = new InferenceScheduler({ concurrency: 1, liveQueue: 2 });
    const running = gate(log, 'job1');
    const job2 = gate(log, 'job2');
    const live = gate(log, 'live');
    const runs = [s.run('job', running.work), s.run('job', job2.work)];
    await tick();
    runs.push(s.run('live', live.work));
    running.open();
    live.open();
    job2.open();
    await Promise.all(runs);
    expect(log).toEqual(['start job1', 'start live', 'start job2']);
  });

  it('keeps one slot free of jobs so live work starts without waiting', async () => {
    const log: string[] = [];
    const s = new InferenceScheduler({ concurrency: 2, liveQueue: 0 });
    const jobs = [gate(log, 'j1'), gate(log, 'j2')];
    const jobRuns = jobs.map((g) => s.run('job', g.work));
    await tick();
    expect(s.stats).toMatchObject({ running: 1, runningJobs: 1, jobsWaiting: 1 });
    const live = gate(log, 'live');
    const liveRun = s.run('live', live.work);
    expect(log).toEqual(['start j1', 'start live']);
    // Both slots are busy now: more live work is refused rather than queued (liveQueue 0).
    await expect(s.run('live', () => Promise.resolve('x'))).rejects.toBeInstanceOf(SchedulerSaturatedError);
    live.open();
    jobs.forEach((g) => g.open());
    await Promise.all([liveRun, ...jobRuns]);
    expect(log).toEqual(['start j1', 'start live', 'start j2']);
  });

  it('frees the slot when work fails', async () => {
    const s = new InferenceScheduler({ concurrency: 1, liveQueue: 0 });
    await expect(s.run('live', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(s.run('live', () => Promise.resolve(1))).resolves.toBe(1);
  });
});
