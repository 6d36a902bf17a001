import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import type { ErrorBody, JobResultsResponse } from '@forgesyte/contracts';
import { MEDIA_DIR, startApp, type RunningApp } from '../support/app';
import { expectFrameServed, expectJobServed, filesUnder } from '../support/hostile';
import { call, submit, untilFinished } from '../support/jobs-http';

const CLIP = join(MEDIA_DIR, 'one-by-one-person-detection.mp4');
const UPLOAD_MAX_MB = 4;

/** Hostile uploads and request parameters: each answered by the contract, nothing left on disk, service intact. */
describe('hostile uploads and job requests', () => {
  let app: RunningApp;
  let fixtures: string;
  const jobs: string[] = [];

  beforeAll(async () => {
    fixtures = mkdtempSync(join(tmpdir(), 'forgesyte-hostile-'));
    // A lower pixel limit than the default 40 M keeps the oversized fixture cheap to encode on a busy machine.
    app = await startApp({ PIPELINES: 'yolo', JOBS_CONCURRENCY: 1, UPLOAD_MAX_MB, JOBS_MAX_VIDEO_PIXELS: 4_000_000 });
    await expectFrameServed(app);
  });
  afterAll(async () => {
    await app.close();
    rmSync(fixtures, { recursive: true, force: true });
  });

  afterEach(async () => {
    await expectFrameServed(app);
    jobs.push(await expectJobServed(app));
    const uploads = filesUnder(app.config.DATA_DIR).filter((f) => f.startsWith('uploads/'));
    expect(uploads).toEqual(jobs.map((id) => `uploads/${id}`).sort());
  });

  function ffmpeg(args: string[], out: string): string {
    const path = join(fixtures, out);
    execFileSync(ffmpegInstaller.path, ['-hide_banner', '-v', 'error', '-y', ...args, path]);
    return path;
  }

  it('bytes that are not a video, under a video name and type: 415 unsupported_media_type', async () => {
    const res = await submit(app.url, randomBytes(256 * 1024), { pipeline_id: 'yolo', name: 'clip.mp4' });
    expect(res.status).toBe(415);
    expect(res.body.error).toBe('unsupported_media_type');
  });

  it('an upload over UPLOAD_MAX_MB: 413 payload_too_large, nothing written', async () => {
    const big = Buffer.concat([readFileSync(CLIP), randomBytes(UPLOAD_MAX_MB * 1024 * 1024)]);
    const res = await submit(app.url, big, { pipeline_id: 'yolo' });
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('payload_too_large');
  });

  it('a truncated MP4 (index at the front): the job fails with an error naming the damage, never completes', async () => {
    const truncated = readFileSync(CLIP).subarray(0, 1_000_000); // about 30 % of the clip
    const res = await submit(app.url, truncated, { pipeline_id: 'yolo', fps: 1 });
    expect(res.status).toBe(202);
    jobs.push(res.body.job_id); // its upload stays with the failed job
    const done = await untilFinished(app.url, res.body.job_id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/^the video is damaged: /);
    expect(done.error).toMatch(/partial file|Invalid data|corrupt|of about \d+ frames/);
    expect(done.error).not.toContain(app.config.DATA_DIR);
    // What was analysed before the damage (if anything) stays readable.
    const results = await call<JobResultsResponse>(`${app.url}/video/results/${res.body.job_id}`);
    expect(results.status).toBe(200);
    expect(results.body.status).toBe('failed');
  });

  it('a video whose header claims frames over JOBS_MAX_VIDEO_PIXELS: 422 video_too_large at submit', async () => {
    const huge = ffmpeg(
      ['-f', 'lavfi', '-i', 'color=black:s=2560x2048:r=1', '-frames:v', '1', '-c:v', 'libx264', '-preset', 'ultrafast'],
      'huge.mp4',
    );
    const res = await submit(app.url, huge, { pipeline_id: 'yolo' });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('video_too_large');
    expect(res.body.detail).toMatch(/2560x2048.*JOBS_MAX_VIDEO_PIXELS/);
  });

  it('a video whose header claims an absurd number of frames: 422 video_too_large at submit', async () => {
    // Two tiny frames 20 hours apart: sampled at 30 fps that is over two million frames.
    const long = ffmpeg(
      [
        '-f',
        'lavfi',
        '-i',
        'color=black:s=32x32:r=1/36000',
        '-frames:v',
        '2',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
      ],
      'long.mp4',
    );
    const res = await submit(app.url, long, { pipeline_id: 'yolo', fps: 30 });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('video_too_large');
    expect(res.body.detail).toMatch(/JOBS_MAX_FRAMES/);
  });

  it('a filename with ../ writes nothing outside DATA_DIR', async () => {
    const name = '../../../../escape.mp4';
    const res = await submit(app.url, CLIP, { pipeline_id: 'yolo', fps: 0.1, name });
    expect(res.status).toBe(202);
    jobs.push(res.body.job_id);
    for (let dir = app.config.DATA_DIR; dir !== dirname(dir); dir = dirname(dir)) {
      expect(existsSync(join(dir, 'escape.mp4'))).toBe(false);
    }
    expect(existsSync(join(app.config.DATA_DIR, 'uploads', res.body.job_id))).toBe(true);
    expect((await untilFinished(app.url, res.body.job_id)).status).toBe('completed');
  });

  it('ids that are not UUIDs, SQL-looking ones among them: 400 invalid_job_id on every route; an unknown UUID: 404', async () => {
    const ids = [
      'not-a-uuid',
      encodeURIComponent("1' OR '1'='1"),
      encodeURIComponent('1; DROP TABLE jobs; --'),
      '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '00000000-0000-0000-0000-00000000000g',
      'x'.repeat(5000),
    ];
    for (const id of ids) {
      for (const [method, path] of [
        ['GET', `/video/status/${id}`],
        ['GET', `/video/results/${id}`],
        ['GET', `/video/jobs/${id}/video`],
        ['DELETE', `/video/jobs/${id}`],
      ] as const) {
        const res = await call<ErrorBody>(`${app.url}${path}`, { method });
        expect([method, path.slice(0, 80), res.status, res.body?.error]).toEqual([
          method,
          path.slice(0, 80),
          400,
          'invalid_job_id',
        ]);
      }
    }
    for (const path of ['/video/status/', '/video/results/', '/video/jobs/']) {
      const res = await call<ErrorBody>(`${app.url}${path}${randomUUID()}${path === '/video/jobs/' ? '/video' : ''}`);
      expect([path, res.status, res.body.error]).toEqual([path, 404, 'job_not_found']);
    }
  });

  it('offset/limit out of range or not numbers: 400 validation_failed', async () => {
    const queries = ['offset=-1', 'offset=abc', 'limit=0', 'limit=100000', 'limit=1.5', 'limit=1e400', "offset=1'--"];
    for (const query of queries) {
      for (const path of ['/video/jobs', `/video/results/${randomUUID()}`]) {
        const res = await call<ErrorBody>(`${app.url}${path}?${query}`);
        expect([query, path, res.status, res.body.error]).toEqual([query, path, 400, 'validation_failed']);
      }
    }
  });
});
