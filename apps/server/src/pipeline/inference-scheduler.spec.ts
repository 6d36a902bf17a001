import { InferenceScheduler } from './inference-scheduler';
import { SchedulerSaturatedError, WorkCancelledError } from './pipeline.errors';

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

  it('takes cancelled live work out of the queue, so it never runs and the next client finds room', async () => {
    const log: string[] = [];
    const s = new InferenceScheduler({ concurrency: 1, liveQueue: 2 });
    const running = gate(log, 'running');
    const first = s.run('live', running.work);
    const gone = [new AbortController(), new AbortController()];
    const queued = gone.map((c, i) => s.run('live', gate(log, `gone${i}`).work, c.signal));
    // The queue is full: one more client would be refused.
    await expect(s.run('live', () => Promise.resolve('x'))).rejects.toBeInstanceOf(SchedulerSaturatedError);
    gone.forEach((c) => c.abort());
    for (const q of queued) await expect(q).rejects.toBeInstanceOf(WorkCancelledError);
    expect(s.stats.liveWaiting).toBe(0);
    const nextGate = gate(log, 'next');
    const next = s.run('live', nextGate.work);
    running.open();
    await first;
    await tick();
    expect(log).toEqual(['start running', 'start next']);
    nextGate.open();
    await expect(next).resolves.toBe('next');
    await expect(s.run('live', () => Promise.resolve(1), AbortSignal.abort())).rejects.toBeInstanceOf(
      WorkCancelledError,
    );
  });

  describe('camera work', () => {
    it('never takes the last free slot, and a live frame still starts at once', async () => {
      const log: string[] = [];
      const s = new InferenceScheduler({ concurrency: 2, liveQueue: 0 });
      const a = gate(log, 'camA');
      const b = gate(log, 'camB');
      const first = s.run('camera', a.work, undefined, 'A');
      const second = s.run('camera', b.work, undefined, 'B');
      await tick();
      expect(log).toEqual(['start camA']);
      expect(s.cameraStats).toEqual({ running: 1, waiting: 1 });
      await expect(s.run('live', () => Promise.resolve('live'))).resolves.toBe('live');
      a.open();
      await expect(first).resolves.toBe('camA');
      await tick();
      expect(log).toEqual(['start camA', 'start camB']);
      b.open();
      await expect(second).resolves.toBe('camB');
    });

    it('keeps only the newest waiting frame per camera, in its place in line', async () => {
      const log: string[] = [];
      const s = new InferenceScheduler({ concurrency: 2, liveQueue: 0 });
      const running = gate(log, 'A0');
      const r0 = s.run('camera', running.work, undefined, 'A');
      const b1 = gate(log, 'B1');
      const a1 = gate(log, 'A1');
      const a2 = gate(log, 'A2');
      const rb1 = s.run('camera', b1.work, undefined, 'B');
      const ra1 = s.run('camera', a1.work, undefined, 'A');
      const ra2 = s.run('camera', a2.work, undefined, 'A');
      await expect(ra1).rejects.toBeInstanceOf(WorkCancelledError);
      expect(s.cameraStats).toEqual({ running: 1, waiting: 2 });
      running.open();
      await r0;
      await tick();
      // B waited longer than A's newest frame: B goes first.
      expect(log).toEqual(['start A0', 'start B1']);
      b1.open();
      await rb1;
      await tick();
      expect(log).toEqual(['start A0', 'start B1', 'start A2']);
      a2.open();
      await expect(ra2).resolves.toBe('A2');
    });

    it('goes before waiting jobs', async () => {
      const log: string[] = [];
      const s = new InferenceScheduler({ concurrency: 1, liveQueue: 0 });
      const j0 = gate(log, 'j0');
      const first = s.run('job', j0.work);
      const j1 = gate(log, 'j1');
      const c = gate(log, 'cam');
      const job = s.run('job', j1.work);
      const cam = s.run('camera', c.work, undefined, 'C');
      j0.open();
      await first;
      await tick();
      expect(log).toEqual(['start j0', 'start cam']);
      c.open();
      j1.open();
      await Promise.all([cam, job]);
      expect(log).toEqual(['start j0', 'start cam', 'start j1']);
    });

    it('gives a waiting job one turn per round of the cameras, so cameras that keep the machine busy never starve it', async () => {
      const log: string[] = [];
      const s = new InferenceScheduler({ concurrency: 2, liveQueue: 0 });
      const frames = new Map<string, ReturnType<typeof gate>>();
      const runs: Promise<unknown>[] = [];
      const send = (name: string, priority: 'camera' | 'job') => {
        const g = gate(log, name);
        frames.set(name, g);
        runs.push(s.run(priority, g.work, undefined, name[0]));
      };
      /** Ends a frame; its camera (every camera sends as fast as it is served) sends the next one. */
      const finish = async (name: string, next?: string) => {
        frames.get(name)!.open();
        await tick();
        if (next) send(next, 'camera');
      };
      send('A0', 'camera');
      send('B0', 'camera');
      send('C0', 'camera');
      send('j0', 'job');
      await tick();
      expect(log).toEqual(['start A0']);
      await finish('A0', 'A1');
      await finish('B0', 'B1');
      await finish('C0', 'C1');
      // B0 started ahead of the job, so the jobs' turn went behind C0: after C0, before A1.
      expect(log).toEqual(['start A0', 'start B0', 'start C0', 'start j0']);
      send('j1', 'job');
      await finish('j0');
      await finish('A1', 'A2');
      await finish('B1', 'B2');
      await finish('C1', 'C2');
      expect(log.slice(4)).toEqual(['start A1', 'start B1', 'start C1', 'start j1']);
      for (const g of frames.values()) g.open();
      await Promise.all(runs);
    });
  });
});
