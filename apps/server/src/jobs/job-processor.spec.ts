import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { PipelineResult } from '@forgesyte/contracts';
import { Clock } from '../common/clock';
import { APP_CONFIG, buildConfig } from '../config/config';
import { PipelineService } from '../pipeline/pipeline.service';
import { JobProcessor, type Outcome } from './job-processor';
import { JobsMetrics } from './jobs.metrics';
import { JobsRepository } from './jobs.repository';
import { MediaProvider } from './media.provider';
import { FakeClock, FakeJobsRepository, FakeMedia, FakePipeline, FakeTrackingPipeline } from './testing/jobs-fakes';

const OWNER = 'host:1:aaa';

describe('JobProcessor', () => {
  let processor: JobProcessor;
  let repository: FakeJobsRepository;
  let media: FakeMedia;
  let pipeline: FakePipeline;
  let clock: FakeClock;
  let metrics: { frameProcessed: jest.Mock; finished: jest.Mock };

  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  afterAll(() => {
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
  });

  beforeEach(async () => {
    repository = new FakeJobsRepository();
    media = new FakeMedia();
    pipeline = new FakePipeline();
    clock = new FakeClock();
    metrics = { frameProcessed: jest.fn(), finished: jest.fn() };
    processor = await processorWith(repository, pipeline);
  });

  async function processorWith(repo: FakeJobsRepository, runner: FakePipeline): Promise<JobProcessor> {
    const module = await Test.createTestingModule({
      providers: [
        JobProcessor,
        { provide: APP_CONFIG, useValue: buildConfig() },
        { provide: JobsRepository, useValue: repo },
        { provide: PipelineService, useValue: runner },
        { provide: JobsMetrics, useValue: metrics },
        { provide: MediaProvider, useValue: media },
        { provide: Clock, useValue: clock },
      ],
    }).compile();
    return module.get(JobProcessor);
  }

  /** A job claimed by OWNER, the way JobsWorker hands it over. */
  const claimed = (fields: Parameters<FakeJobsRepository['put']>[0] = { id: 'job' }) =>
    repository.put({ status: 'running', leaseOwner: OWNER, attempts: 1, ...fields });

  const storedIndices = (id = 'job') => [...(repository.stored.get(id)?.keys() ?? [])].sort((a, b) => a - b);

  it('runs every frame at the pipeline input size, stores results with timestamps and completes', async () => {
    const job = claimed({ id: 'job', fps: 2 });
    await expect(processor.process(job, OWNER, new AbortController())).resolves.toBe<Outcome>('completed');
    expect(pipeline.ran.map((r) => r.frameIndex)).toEqual([0, 1, 2, 3, 4]);
    // Each decoded frame reaches the pipeline as job work, with boxes mapped to the video's size.
    expect(pipeline.ran.map((r) => r.firstByte)).toEqual([0, 1, 2, 3, 4]);
    expect(pipeline.ran[0]?.options).toEqual({ priority: 'job', originalSize: { width: 640, height: 480 } });
    const frames = [...repository.stored.get('job')!.values()].sort((a, b) => a.frameIndex - b.frameIndex);
    expect(frames.map((f) => f.timestampMs)).toEqual([0, 500, 1000, 1500, 2000]);
    const labels = frames.map((f) => (JSON.parse(f.result) as PipelineResult).detections.map((d) => d.label));
    expect(labels[0]).toEqual(['person']);
    expect(repository.jobs.get('job')).toMatchObject({
      status: 'completed',
      framesProcessed: 5,
      framesTotal: 5,
      finishedAt: clock.ms,
    });
    expect(media.counted).toBe(1);
    expect(metrics.frameProcessed).toHaveBeenCalledTimes(5);
    expect(metrics.finished).toHaveBeenCalledWith('completed');
  });

  it('after a takeover resumes behind the frames already stored, without counting again', async () => {
    const job = claimed({ id: 'job', framesTotal: 5, attempts: 2 });
    await repository.saveResults('job', [
      { frameIndex: 0, timestampMs: 0, result: '{}' },
      { frameIndex: 1, timestampMs: 100, result: '{}' },
    ]);
    await expect(processor.process(job, OWNER, new AbortController())).resolves.toBe('completed');
    expect(pipeline.ran.map((r) => r.frameIndex)).toEqual([2, 3, 4]);
    expect(media.counted).toBe(0);
    expect(storedIndices()).toEqual([0, 1, 2, 3, 4]);
    expect(repository.jobs.get('job')?.framesProcessed).toBe(5);
  });

  it('fails the job when the pipeline fails on a frame, keeping what was stored', async () => {
    pipeline.fail.add(3);
    const job = claimed();
    await expect(processor.process(job, OWNER, new AbortController())).resolves.toBe('failed');
    expect(repository.jobs.get('job')).toMatchObject({
      status: 'failed',
      error: 'pipeline failed: inference failed on frame 3',
    });
    expect(storedIndices()).not.toContain(3);
    expect(metrics.finished).toHaveBeenCalledWith('failed');
  });

  it('fails the job when its pipeline is not loaded in this worker, before touching the video', async () => {
    const job = claimed({ id: 'job', pipelineId: 'ocr' });
    await expect(processor.process(job, OWNER, new AbortController())).resolves.toBe('failed');
    expect(repository.jobs.get('job')?.error).toBe('pipeline ocr is not loaded in this worker');
    expect(media.counted).toBe(0);
  });

  it('fails the job with the decoder error when the video breaks off mid-way', async () => {
    media.decodeFailsAfter = 2;
    const job = claimed();
    await expect(processor.process(job, OWNER, new AbortController())).resolves.toBe('failed');
    expect(repository.jobs.get('job')?.error).toBe('decoder: truncated input');
    // Progress never claims frames that were not stored.
    expect(repository.jobs.get('job')?.framesProcessed).toBe(storedIndices().length);
    expect(pipeline.ran.map((r) => r.frameIndex)).toEqual([0, 1]);
  });

  it('stops with the reason it was aborted for (cancel, shutdown) and does not finish the job', async () => {
    const job = claimed();
    const stop = new AbortController();
    const run = jest.spyOn(pipeline, 'runOnRaw');
    run.mockImplementation((id, index, frame, options) => {
      if (index === 1) stop.abort('cancelled');
      return FakePipeline.prototype.runOnRaw.call(pipeline, id, index, frame, options);
    });
    await expect(processor.process(job, OWNER, stop)).resolves.toBe('cancelled');
    expect(repository.jobs.get('job')?.status).toBe('running');
    expect(media.decodeStopped).toBe(true);
    expect(metrics.finished).not.toHaveBeenCalled();
  });

  it('gives the job up as lost when another worker took it over meanwhile', async () => {
    const job = claimed();
    repository.lostBy = OWNER;
    await expect(processor.process(job, OWNER, new AbortController())).resolves.toBe('lost');
    expect(repository.jobs.get('job')?.status).toBe('running');
    expect(metrics.finished).not.toHaveBeenCalled();
  });

  describe('a tracking job', () => {
    const geometry = JSON.stringify({ lines: [{ id: 'door', from: [200, 0], to: [200, 400] }], zones: [] });
    let tracking: FakeTrackingPipeline;

    const results = (repo: FakeJobsRepository) =>
      [...repo.stored.get('job')!.values()]
        .sort((a, b) => a.frameIndex - b.frameIndex)
        .map((f) => JSON.parse(f.result) as PipelineResult);

    beforeEach(async () => {
      tracking = new FakeTrackingPipeline();
      media.frames = 30;
      processor = await processorWith(repository, tracking);
    });

    it('checkpoints its scene, and a worker that takes over after a crash gives the same ids and counts', async () => {
      // The uninterrupted run.
      const whole = new FakeJobsRepository();
      whole.put({ id: 'job', pipelineId: 'track', sceneGeometry: geometry, status: 'running', leaseOwner: OWNER });
      await expect(
        (await processorWith(whole, tracking)).process(whole.jobs.get('job')!, OWNER, new AbortController()),
      ).resolves.toBe('completed');
      expect(whole.jobs.get('job')?.lineCounts).toBe(JSON.stringify([{ id: 'door', in: 0, out: 1 }]));
      const expected = results(whole);
      expect(expected[29]!.detections.map((d) => d.track_id)).toEqual([2, 1]);

      // The same job, slow enough for heartbeats, crashing at frame 24: nothing after that is written.
      tracking.delayMs = 200;
      const job = claimed({ id: 'job', pipelineId: 'track', sceneGeometry: geometry });
      const stop = new AbortController();
      const run = tracking.runOnRaw.bind(tracking);
      jest.spyOn(tracking, 'runOnRaw').mockImplementation((id, index, frame, options) => {
        if (index === 24) {
          jest.spyOn(repository, 'saveResults').mockResolvedValue();
          jest.spyOn(repository, 'heartbeat').mockResolvedValue(false);
          stop.abort('lost');
        }
        return run(id, index, frame, options);
      });
      await expect(processor.process(job, OWNER, stop)).resolves.toBe('lost');
      jest.restoreAllMocks();
      const crashed = repository.jobs.get('job')!;
      const checkpoint = JSON.parse(crashed.sceneState!) as { frame: number };
      expect(checkpoint.frame).toBeGreaterThan(0);
      expect(storedIndices()).toEqual(expect.arrayContaining([...Array(checkpoint.frame + 1).keys()]));

      // Another worker takes it over from the checkpoint, re-tracking the frames after it.
      tracking.delayMs = 0;
      tracking.ran.length = 0;
      Object.assign(crashed, { leaseOwner: 'other:2:bbb', attempts: 2 });
      await expect(processor.process({ ...crashed }, 'other:2:bbb', new AbortController())).resolves.toBe('completed');
      expect(tracking.ran[0]!.frameIndex).toBe(checkpoint.frame + 1);
      expect(results(repository)).toEqual(expected);
      expect(repository.jobs.get('job')?.lineCounts).toBe(JSON.stringify([{ id: 'door', in: 0, out: 1 }]));
    });

    it('writes its checkpoint when handed back at shutdown', async () => {
      tracking.delayMs = 20;
      const job = claimed({ id: 'job', pipelineId: 'track', sceneGeometry: geometry });
      const stop = new AbortController();
      const run = tracking.runOnRaw.bind(tracking);
      jest.spyOn(tracking, 'runOnRaw').mockImplementation((id, index, frame, options) => {
        if (index === 10) stop.abort('shutdown');
        return run(id, index, frame, options);
      });
      await expect(processor.process(job, OWNER, stop)).resolves.toBe('shutdown');
      const state = JSON.parse(repository.jobs.get('job')!.sceneState!) as { frame: number };
      expect(state.frame).toBe(Math.max(...storedIndices()));
    });
  });
});
