import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { buildConfig } from '@forgesyte/server/config/config';
import { DatabaseService } from '@forgesyte/server/database/database.service';
import { JobsRepository } from '@forgesyte/server/jobs/jobs.repository';
import { createJobsStore, STORE_KINDS, type JobsStore } from './support/jobs-db';

/** Two repositories with their own connections on one store, as two processes would have. */
describe.each(STORE_KINDS)('jobs repository on %s', (kind) => {
  let store: JobsStore | null;
  const services: DatabaseService[] = [];
  let a: JobsRepository;
  let b: JobsRepository;

  async function connect(): Promise<JobsRepository> {
    const service = new DatabaseService(buildConfig({ LOG_LEVEL: 'silent', ...store!.env }));
    service.onModuleInit();
    await service.ready();
    services.push(service);
    return new JobsRepository(service);
  }

  async function queueOne(createdAt = Date.now()): Promise<string> {
    const id = randomUUID();
    await a.insert({ id, pipelineId: 'yolo', fps: 1, filePath: `/tmp/${id}`, originalName: null, createdAt });
    return id;
  }

  async function queue(n: number, createdAt = Date.now()): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(await queueOne(createdAt + i));
    return ids;
  }

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    store = await createJobsStore(kind);
    if (!store) return;
    a = await connect();
    b = await connect();
  });
  afterAll(async () => {
    for (const service of services) await service.onApplicationShutdown();
    await store?.drop();
  });

  it('hands each queued job to exactly one of many concurrent claimers', async () => {
    if (!store) return;
    const ids = await queue(6);
    const claims = await Promise.all(
      Array.from({ length: 24 }, (_, i) => (i % 2 ? a : b).claim(`owner-${i}`, Date.now(), 60_000, 3)),
    );
    const won = claims.filter((id): id is string => id !== null);
    expect(won.sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const job = await a.find(id);
      expect(job).toMatchObject({ status: 'running', attempts: 1 });
      await a.finish(id, job!.leaseOwner!, 'completed', { processed: 0, now: Date.now() });
    }
    await expect(a.claim('late', Date.now(), 60_000, 3)).resolves.toBeNull();
  });

  it('lets another worker take over only after the lease expires, and fences the old holder', async () => {
    if (!store) return;
    const id = await queueOne();
    const t0 = Date.now();
    await expect(a.claim('first', t0, 1000, 3)).resolves.toBe(id);
    await expect(b.claim('second', t0 + 500, 1000, 3)).resolves.toBeNull();
    await expect(a.heartbeat(id, 'first', 3, t0 + 600, 1000)).resolves.toBe(true);
    // The heartbeat moved the expiry to t0 + 1600.
    await expect(b.claim('second', t0 + 1500, 1000, 3)).resolves.toBeNull();
    await expect(b.claim('second', t0 + 1700, 1000, 3)).resolves.toBe(id);
    expect(await b.find(id)).toMatchObject({ leaseOwner: 'second', attempts: 2, framesProcessed: 3 });
    await expect(a.heartbeat(id, 'first', 4, t0 + 1800, 1000)).resolves.toBe(false);
    await expect(a.finish(id, 'first', 'completed', { processed: 4, now: t0 + 1800 })).resolves.toBe(false);
    await expect(b.finish(id, 'second', 'completed', { processed: 5, total: 5, now: t0 + 1900 })).resolves.toBe(true);
    expect(await a.find(id)).toMatchObject({
      status: 'completed',
      framesProcessed: 5,
      framesTotal: 5,
      finishedAt: t0 + 1900,
    });
  });

  it('fails a job whose worker stopped JOBS_MAX_ATTEMPTS times instead of taking it up again', async () => {
    if (!store) return;
    const id = await queueOne();
    const t0 = Date.now();
    for (let attempt = 1; attempt <= 3; attempt++) {
      // Each worker dies silently: its lease (1 s) expires before the next claim.
      await expect(a.claim(`dies-${attempt}`, t0 + attempt * 2000, 1000, 3)).resolves.toBe(id);
      expect(await a.find(id)).toMatchObject({ status: 'running', attempts: attempt });
    }
    await expect(b.claim('next', t0 + 8000, 1000, 3)).resolves.toBeNull();
    const job = await a.find(id);
    expect(job).toMatchObject({ status: 'failed', leaseOwner: null, finishedAt: t0 + 8000 });
    expect(job?.error).toMatch(/stopped 3 times/);
  });

  it('stores a frame once however often it is written', async () => {
    if (!store) return;
    const id = await queueOne();
    await a.claim('w', Date.now(), 60_000, 3);
    const frame = (i: number, tag: string) => ({
      frameIndex: i,
      timestampMs: i * 100,
      result: JSON.stringify({ tag }),
    });
    await a.saveResults(
      id,
      [0, 1, 2, 3, 4].map((i) => frame(i, 'first')),
    );
    await Promise.all([
      a.saveResults(
        id,
        [3, 4, 5, 6].map((i) => frame(i, 'again')),
      ),
      b.saveResults(
        id,
        [5, 6, 7].map((i) => frame(i, 'again')),
      ),
    ]);
    await expect(a.countResults(id)).resolves.toBe(8);
    expect([...(await b.doneIndices(id))].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const page = await a.results(id, 2, 3);
    expect(page.map((r) => [r.frameIndex, JSON.parse(r.result) as unknown])).toEqual([
      [2, { tag: 'first' }],
      [3, { tag: 'first' }],
      [4, { tag: 'first' }],
    ]);
    await a.finish(id, 'w', 'completed', { processed: 8, now: Date.now() });
  });

  it('cancels only unfinished jobs, releases at shutdown, and finds expired finished jobs', async () => {
    if (!store) return;
    const t = Date.now();
    const [queued, running, done] = [await queueOne(t), await queueOne(t + 1), await queueOne(t + 2)];
    await expect(a.claim('w', Date.now(), 60_000, 3)).resolves.toBe(queued);
    await a.release(queued, 'w');
    expect(await a.find(queued)).toMatchObject({ status: 'queued', leaseOwner: null, attempts: 0 });
    await expect(a.claim('w', Date.now(), 60_000, 3)).resolves.toBe(queued);
    await expect(a.claim('w', Date.now(), 60_000, 3)).resolves.toBe(running);
    await expect(a.claim('w', Date.now(), 60_000, 3)).resolves.toBe(done);
    await a.finish(done, 'w', 'failed', { processed: 0, error: 'broken', now: 1000 });
    await expect(b.cancel(running, 2000)).resolves.toBe(true);
    await expect(b.cancel(running, 2000)).resolves.toBe(false);
    await expect(b.cancel(done, 2000)).resolves.toBe(false);
    await expect(a.heartbeat(running, 'w', 1, Date.now(), 60_000)).resolves.toBe(false);
    const expired = await b.finishedBefore(2500, 100);
    expect(expired.map((j) => j.id).sort()).toEqual([running, done].sort());
    await b.remove([running, done]);
    await expect(a.find(done)).resolves.toBeNull();
    await expect(b.finishedBefore(2500, 100)).resolves.toEqual([]);
    await a.cancel(queued, Date.now());
  });

  it('lists newest first with a status filter', async () => {
    if (!store) return;
    const ids = await queue(3, Date.now() + 10_000);
    const listed = await a.list('queued', 0, 10);
    expect(listed.map((j) => j.id)).toEqual([...ids].reverse());
    const cancelled = await a.list('cancelled', 0, 10);
    expect(cancelled.every((j) => j.status === 'cancelled')).toBe(true);
    expect(cancelled.length).toBeGreaterThan(0);
    for (const id of ids) await a.cancel(id, Date.now());
  });

  it('gives a named lease to the first asker, renews it for its holder, and passes it on once it expires', async () => {
    if (!store) return;
    const t = 1_000_000;
    await expect(a.holdLease('sweep', 'A', t, 10_000)).resolves.toBe(true);
    await expect(b.holdLease('sweep', 'B', t + 1, 10_000)).resolves.toBe(false);
    await expect(a.holdLease('sweep', 'A', t + 5_000, 10_000)).resolves.toBe(true);
    // A renewed until t + 15 000: B still waits at t + 12 000.
    await expect(b.holdLease('sweep', 'B', t + 12_000, 10_000)).resolves.toBe(false);
    await expect(b.holdLease('sweep', 'B', t + 15_001, 10_000)).resolves.toBe(true);
    await expect(a.holdLease('sweep', 'A', t + 15_002, 10_000)).resolves.toBe(false);
    // Leases are independent by name.
    await expect(a.holdLease('other', 'A', t + 15_002, 10_000)).resolves.toBe(true);
  });

  it('has exactly one lease holder when many ask at once', async () => {
    if (!store) return;
    const asks = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).holdLease('race', `owner-${i}`, 5_000_000, 10_000)),
    );
    expect(asks.filter(Boolean)).toHaveLength(1);
  });
});
