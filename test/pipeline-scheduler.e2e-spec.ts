import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PipelineService } from '@forgesyte/server/pipeline/pipeline.service';
import { SchedulerSaturatedError } from '@forgesyte/server/pipeline/pipeline.errors';
import type { RunningApp } from './support/app';

const support = import('./support/app');
const service = import('@forgesyte/server/pipeline/pipeline.service');
const bus = readFileSync(join(resolve(__dirname, '..', '..', 'shared', 'media'), 'bus.jpg'));

/** Runs the real pipeline and records, in order, when each call settles and how. */
function tracked(log: string[], name: string, run: Promise<unknown>): Promise<void> {
  return run.then(
    () => void log.push(`${name} ok`),
    (error: unknown) => void log.push(`${name} ${error instanceof SchedulerSaturatedError ? 'saturated' : 'failed'}`),
  );
}

describe('the shared inference scheduler with real pipeline runs (1 slot, 1 live frame may wait)', () => {
  let app: RunningApp;
  let pipelines: PipelineService;
  beforeAll(async () => {
    app = await (await support).startApp({ PIPELINES: 'yolo', PIPELINE_CONCURRENCY: 1, PIPELINE_LIVE_QUEUE: 1 });
    pipelines = app.app.get((await service).PipelineService);
    await pipelines.whenLoaded();
  });
  afterAll(() => app.close());

  it('refuses a burst of live frames beyond slot + queue at once, before any frame finishes', async () => {
    const log: string[] = [];
    const runs = Array.from({ length: 6 }, (_, i) =>
      tracked(log, `live${i}`, pipelines.runOnFrame('yolo', i, bus, { priority: 'live' })),
    );
    await Promise.all(runs);
    expect(log.slice(0, 4).sort()).toEqual([
      'live2 saturated',
      'live3 saturated',
      'live4 saturated',
      'live5 saturated',
    ]);
    expect(log.slice(4)).toEqual(['live0 ok', 'live1 ok']);
  });

  it('makes job frames wait instead of refusing them, and lets a live frame overtake waiting jobs', async () => {
    const log: string[] = [];
    const jobs = Array.from({ length: 4 }, (_, i) =>
      tracked(log, `job${i}`, pipelines.runOnFrame('yolo', i, bus, { priority: 'job' })),
    );
    // job0 holds the only slot, job1-3 wait; the live frame is queued ahead of them.
    const live = tracked(log, 'live', pipelines.runOnFrame('yolo', 99, bus, { priority: 'live' }));
    await Promise.all([...jobs, live]);
    expect(log).toEqual(['job0 ok', 'live ok', 'job1 ok', 'job2 ok', 'job3 ok']);
  });

  it('counts refused live frames in the metrics', async () => {
    const text = await (await fetch(`${app.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith('forgesyte_pipeline_runs_total{') && l.includes('outcome="saturated"'));
    expect(line).toBeDefined();
    expect(Number(line!.split(' ').pop())).toBeGreaterThanOrEqual(4);
  });
});
