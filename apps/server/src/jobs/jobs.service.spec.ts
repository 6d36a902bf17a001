import { HttpStatus } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Clock } from '../common/clock';
import { ApiError } from '../common/http-error';
import { APP_CONFIG, buildConfig } from '../config/config';
import { PipelineService } from '../pipeline/pipeline.service';
import { JobsRepository } from './jobs.repository';
import { JobsService, RETENTION_LEASE, uploadsDir } from './jobs.service';
import { JobsWorker } from './jobs.worker';
import { MediaProvider } from './media.provider';
import { StorageProvider } from './storage.provider';
import { FakeClock, FakeJobsRepository, FakeMedia, FakePipeline, FakeStorage } from './testing/jobs-fakes';

const HOUR = 3_600_000;
const config = buildConfig({ DATA_DIR: '/data', JOBS_RETENTION_HOURS: 24 });
const UPLOADS = uploadsDir(config);

describe('JobsService', () => {
  let jobs: JobsService;
  let repository: FakeJobsRepository;
  let storage: FakeStorage;
  let media: FakeMedia;
  let clock: FakeClock;
  let worker: { owner: string; wake: jest.Mock; abort: jest.Mock };

  beforeEach(async () => {
    repository = new FakeJobsRepository();
    storage = new FakeStorage();
    media = new FakeMedia();
    clock = new FakeClock(1_000 * HOUR);
    worker = { owner: 'host:1:aaa', wake: jest.fn(), abort: jest.fn() };
    const module = await Test.createTestingModule({
      providers: [
        JobsService,
        { provide: APP_CONFIG, useValue: config },
        { provide: JobsRepository, useValue: repository },
        { provide: JobsWorker, useValue: worker },
        { provide: PipelineService, useValue: new FakePipeline() },
        { provide: MediaProvider, useValue: media },
        { provide: StorageProvider, useValue: storage },
        { provide: Clock, useValue: clock },
      ],
    }).compile();
    jobs = module.get(JobsService);
  });

  const upload = (id = 'job-1') => {
    const path = `${UPLOADS}/${id}`;
    storage.add(path);
    return { id, path, originalName: 'clip.mp4' };
  };

  async function apiError(promise: Promise<unknown>): Promise<{ status: number; body: unknown }> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    return { status: (error as ApiError).getStatus(), body: (error as ApiError).getResponse() };
  }

  describe('submit', () => {
    it('flushes the upload to disk before queuing the job, stamps it with the clock and wakes the workers', async () => {
      await expect(jobs.submit(upload(), { pipeline_id: 'yolo', fps: 2 })).resolves.toBe('job-1');
      expect(storage.synced).toEqual([`${UPLOADS}/job-1`]);
      expect(repository.calls).toEqual(['insert job-1']);
      expect(repository.jobs.get('job-1')).toMatchObject({
        status: 'queued',
        pipelineId: 'yolo',
        fps: 2,
        filePath: `${UPLOADS}/job-1`,
        originalName: 'clip.mp4',
        createdAt: clock.ms,
      });
      expect(worker.wake).toHaveBeenCalledTimes(1);
    });

    it('samples every frame when fps is omitted', async () => {
      await jobs.submit(upload(), { pipeline_id: 'yolo' });
      expect(repository.jobs.get('job-1')?.fps).toBeNull();
    });

    it('refuses an unknown pipeline with 400 invalid_pipeline and queues nothing', async () => {
      const refused = await apiError(jobs.submit(upload(), { pipeline_id: 'nope' }));
      expect(refused).toEqual({
        status: HttpStatus.BAD_REQUEST,
        body: { error: 'invalid_pipeline', detail: 'unknown pipeline nope' },
      });
      expect(repository.jobs.size).toBe(0);
      expect(worker.wake).not.toHaveBeenCalled();
    });

    it('refuses bytes that are no video with 415, naming an MP4 box when there is one', async () => {
      media.info = null;
      const mp4 = await apiError(jobs.submit(upload('a'), { pipeline_id: 'yolo' }));
      expect(mp4.status).toBe(HttpStatus.UNSUPPORTED_MEDIA_TYPE);
      expect(mp4.body).toEqual({
        error: 'unsupported_media_type',
        detail: 'an MP4/MOV container is not a decodable video: no video stream',
      });
      storage.add(`${UPLOADS}/b`, Buffer.from('%PDF-1.7 not a video'));
      const other = await apiError(
        jobs.submit({ id: 'b', path: `${UPLOADS}/b`, originalName: null }, { pipeline_id: 'yolo' }),
      );
      expect(other.body).toMatchObject({ detail: 'the file is not a decodable video: no video stream' });
      expect(storage.synced).toEqual([]);
      expect(repository.jobs.size).toBe(0);
    });

    it('lets a probe failure other than "not a video" through as it is (a 500, not a 415)', async () => {
      jest.spyOn(media, 'probe').mockRejectedValue(new Error('spawn ffmpeg ENOENT'));
      await expect(jobs.submit(upload(), { pipeline_id: 'yolo' })).rejects.toThrow('spawn ffmpeg ENOENT');
    });
  });

  describe('cancel and delete', () => {
    it('cancels a running job: the worker stops, its results and file go, the job stays as cancelled', async () => {
      const job = repository.put({ id: 'run', status: 'running', leaseOwner: worker.owner });
      storage.add(job.filePath);
      await repository.saveResults('run', [{ frameIndex: 0, timestampMs: 0, result: '{}' }]);
      await expect(jobs.remove('run')).resolves.toBe('cancelled');
      expect(worker.abort).toHaveBeenCalledWith('run', 'cancelled');
      expect(repository.stored.has('run')).toBe(false);
      expect(storage.removed).toEqual([job.filePath]);
      expect(repository.jobs.get('run')).toMatchObject({ status: 'cancelled', finishedAt: clock.ms });
      await expect(jobs.status('run')).resolves.toMatchObject({ status: 'cancelled' });
      await expect(jobs.videoFile('run')).resolves.toBeNull();
    });

    it('deletes a finished job entirely, without touching the workers', async () => {
      const job = repository.put({ id: 'done', status: 'completed', finishedAt: 5 });
      storage.add(job.filePath);
      await expect(jobs.videoFile('done')).resolves.toBe(job.filePath);
      await expect(jobs.remove('done')).resolves.toBe('deleted');
      expect(worker.abort).not.toHaveBeenCalled();
      expect(repository.calls).toEqual(['remove done']);
      expect(storage.removed).toEqual([job.filePath]);
      await expect(jobs.status('done')).resolves.toBeNull();
    });

    it('answers null for a job it does not know', async () => {
      await expect(jobs.remove('ghost')).resolves.toBeNull();
      expect(storage.removed).toEqual([]);
    });
  });

  describe('retention', () => {
    const finishedAgo = (id: string, hours: number) => {
      const job = repository.put({ id, status: 'completed', finishedAt: clock.ms - hours * HOUR });
      storage.add(job.filePath, undefined, clock.ms);
      return job;
    };

    it('removes finished jobs past JOBS_RETENTION_HOURS with their files, in batches, and keeps the rest', async () => {
      for (let i = 0; i < 150; i++) finishedAgo(`old-${i}`, 25);
      finishedAgo('recent', 23);
      repository.put({ id: 'queued', status: 'queued', createdAt: 0 });
      await expect(jobs.sweep()).resolves.toBe(150);
      expect([...repository.jobs.keys()].sort()).toEqual(['queued', 'recent']);
      expect(storage.removed).toHaveLength(150);
      expect(repository.calls.filter((c) => c.startsWith('remove'))).toHaveLength(2);
    });

    it('removes uploads no job owns once untouched for an hour, never a young one or an owned one', async () => {
      const owned = repository.put({ id: 'owned', status: 'queued' });
      storage.add(owned.filePath, undefined, clock.ms - 2 * HOUR);
      storage.add(`${UPLOADS}/orphan`, undefined, clock.ms - HOUR);
      storage.add(`${UPLOADS}/arriving`, undefined, clock.ms - HOUR + 1);
      await jobs.sweep();
      expect(storage.removed).toEqual([`${UPLOADS}/orphan`]);
    });

    it('sweeps only in the process that holds the retention lease, and takes over once it lapses', async () => {
      finishedAgo('old', 25);
      repository.leases.set(RETENTION_LEASE, { owner: 'other-process', expiresAt: clock.ms + 1000 });
      await expect(jobs.sweepIfLeaseHolder()).resolves.toBeNull();
      expect(repository.jobs.has('old')).toBe(true);

      clock.ms += 1001;
      await expect(jobs.sweepIfLeaseHolder()).resolves.toBe(1);
      expect(repository.jobs.has('old')).toBe(false);
      expect(repository.leases.get(RETENTION_LEASE)?.owner).toBe(worker.owner);
    });
  });

  it('maps stored rows to the wire: status with progress, results page in order', async () => {
    repository.put({ id: 'j', status: 'running', framesTotal: 3, framesProcessed: 1, createdAt: 0, startedAt: 1000 });
    await repository.saveResults('j', [{ frameIndex: 0, timestampMs: 0, result: '{"detections":[]}' }]);
    await expect(jobs.status('j')).resolves.toEqual({
      job_id: 'j',
      status: 'running',
      pipeline_id: 'yolo',
      progress: { frames_processed: 1, frames_total: 3, percent: 33.3 },
      created_at: '1970-01-01T00:00:00.000Z',
      started_at: '1970-01-01T00:00:01.000Z',
      finished_at: null,
    });
    await expect(jobs.results('j', 0, 10)).resolves.toEqual({
      job_id: 'j',
      status: 'running',
      total: 1,
      offset: 0,
      limit: 10,
      frames: [{ frame_index: 0, timestamp_ms: 0, result: { detections: [] } }],
    });
  });
});
