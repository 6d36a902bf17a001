import { Injectable } from '@nestjs/common';
import { In, type DataSource } from 'typeorm';
import type { JobStatus } from '@forgesyte/contracts';
import { DatabaseService } from '../database/database.service';
import { JobEntity, JobResultEntity } from './job.entity';

export interface NewJob {
  id: string;
  pipelineId: string;
  fps: number | null;
  filePath: string;
  originalName: string | null;
  createdAt: number;
  /** Tracking jobs with lines or zones: `SceneGeometry` JSON. */
  sceneGeometry?: string | null;
}

/** A tracking job's resume point: the scene after every frame up to `frame` was stored, and its line counts. */
export interface SceneCheckpoint {
  /** `{frame, state}` JSON. */
  state: string;
  /** `LineCount[]` JSON, or null without lines. */
  lines: string | null;
}

export interface StoredFrame {
  frameIndex: number;
  timestampMs: number;
  result: string;
}

const FINISHED: JobStatus[] = ['completed', 'failed', 'cancelled'];
/** Keeps one INSERT well under SQLite's bound-parameter limit. */
const INSERT_CHUNK = 200;

/** The only place that talks to TypeORM for jobs; every method waits for the database first. */
@Injectable()
export class JobsRepository {
  constructor(private readonly database: DatabaseService) {}

  private get postgres(): boolean {
    return this.database.kind === 'postgres';
  }

  private async source(): Promise<DataSource> {
    return this.database.ready();
  }

  private exec(sql: string, params: unknown[]): Promise<{ rows: Record<string, unknown>[]; affected: number }> {
    return this.database.sql(sql, params);
  }

  async ready(): Promise<void> {
    await this.database.ready();
  }

  async insert(job: NewJob): Promise<void> {
    const ds = await this.source();
    await ds.getRepository(JobEntity).insert({ ...job, status: 'queued', framesProcessed: 0, attempts: 0 });
  }

  async find(id: string): Promise<JobEntity | null> {
    const ds = await this.source();
    return ds.getRepository(JobEntity).findOneBy({ id });
  }

  async list(status: JobStatus | undefined, offset: number, limit: number): Promise<JobEntity[]> {
    const ds = await this.source();
    return ds.getRepository(JobEntity).find({
      where: status ? { status } : {},
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: offset,
      take: limit,
    });
  }

  /**
   * Takes the oldest job that is queued or whose lease has expired, in one statement. PostgreSQL
   * skips rows another worker is claiming right now; SQLite serialises writers, so the
   * conditional UPDATE alone is atomic.
   */
  async claim(owner: string, now: number, leaseMs: number, maxAttempts: number): Promise<string | null> {
    // A video that kills its worker every time would otherwise be taken up again forever.
    await this.exec(
      `UPDATE jobs SET status = 'failed', error = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
       WHERE status = 'running' AND lease_expires_at < ? AND attempts >= ?`,
      [`abandoned: its worker stopped ${maxAttempts} times without finishing it`, now, now, maxAttempts],
    );
    const lock = this.postgres ? 'FOR UPDATE SKIP LOCKED' : '';
    const claimable = `(status = 'queued' OR (status = 'running' AND lease_expires_at < ? AND attempts < ?))`;
    const { rows } = await this.exec(
      `UPDATE jobs SET status = 'running', lease_owner = ?, lease_expires_at = ?,
         started_at = COALESCE(started_at, ?), attempts = attempts + 1
       WHERE id = (SELECT id FROM jobs WHERE ${claimable} ORDER BY created_at, id LIMIT 1 ${lock})
         AND ${claimable}
       RETURNING id`,
      [owner, now + leaseMs, now, now, maxAttempts, now, maxAttempts],
    );
    const [row] = rows;
    return row ? String(row.id) : null;
  }

  /** Extends the lease and records progress (and a tracking job's checkpoint); false when the job is no longer ours. */
  async heartbeat(
    id: string,
    owner: string,
    processed: number,
    now: number,
    leaseMs: number,
    scene?: SceneCheckpoint,
  ): Promise<boolean> {
    const { affected } = await this.exec(
      `UPDATE jobs SET lease_expires_at = ?, frames_processed = ?,
         scene_state = COALESCE(?, scene_state), line_counts = COALESCE(?, line_counts)
       WHERE id = ? AND lease_owner = ? AND status = 'running'`,
      [now + leaseMs, processed, scene?.state ?? null, scene?.lines ?? null, id, owner],
    );
    return affected > 0;
  }

  async setTotal(id: string, owner: string, total: number): Promise<boolean> {
    const { affected } = await this.exec(
      `UPDATE jobs SET frames_total = ? WHERE id = ? AND lease_owner = ? AND status = 'running'`,
      [total, id, owner],
    );
    return affected > 0;
  }

  /** Ends a job this worker holds; false when it was cancelled or taken over meanwhile. */
  async finish(
    id: string,
    owner: string,
    status: 'completed' | 'failed',
    fields: { processed: number; total?: number; error?: string; now: number; lines?: string | null },
  ): Promise<boolean> {
    const { affected } = await this.exec(
      `UPDATE jobs SET status = ?, frames_processed = ?, frames_total = COALESCE(?, frames_total), error = ?,
         finished_at = ?, lease_expires_at = NULL, line_counts = COALESCE(?, line_counts)
       WHERE id = ? AND lease_owner = ? AND status = 'running'`,
      [
        status,
        fields.processed,
        fields.total ?? null,
        fields.error ?? null,
        fields.now,
        fields.lines ?? null,
        id,
        owner,
      ],
    );
    return affected > 0;
  }

  /**
   * Hands a job back to the queue at shutdown so another worker need not wait for the lease. A
   * graceful hand-back is not a failed attempt, so it does not count toward JOBS_MAX_ATTEMPTS.
   */
  async release(id: string, owner: string): Promise<void> {
    await this.exec(
      `UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, attempts = attempts - 1
       WHERE id = ? AND lease_owner = ? AND status = 'running'`,
      [id, owner],
    );
  }

  /** queued/running -> cancelled; false when the job had already finished. */
  async cancel(id: string, now: number): Promise<boolean> {
    const { affected } = await this.exec(
      `UPDATE jobs SET status = 'cancelled', finished_at = ?, lease_expires_at = NULL
       WHERE id = ? AND status IN ('queued', 'running')`,
      [now, id],
    );
    return affected > 0;
  }

  /** Which of these upload paths a job still owns. */
  async ownedFiles(paths: string[]): Promise<Set<string>> {
    if (paths.length === 0) return new Set();
    const ds = await this.source();
    const rows = await ds.getRepository(JobEntity).find({ where: { filePath: In(paths) }, select: { filePath: true } });
    return new Set(rows.map((r) => r.filePath));
  }

  async remove(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const ds = await this.source();
    // Results go explicitly too, so nothing depends on SQLite's foreign_keys pragma.
    await ds.transaction(async (manager) => {
      await manager.createQueryBuilder().delete().from(JobResultEntity).where('job_id IN (:...ids)', { ids }).execute();
      await manager.createQueryBuilder().delete().from(JobEntity).where('id IN (:...ids)', { ids }).execute();
    });
  }

  async deleteResults(id: string): Promise<void> {
    const ds = await this.source();
    await ds.getRepository(JobResultEntity).delete({ jobId: id });
  }

  /** Stores frames; one already stored (a frame re-processed after a takeover) is left as it is. */
  async saveResults(id: string, frames: StoredFrame[]): Promise<void> {
    if (frames.length === 0) return;
    const ds = await this.source();
    for (let i = 0; i < frames.length; i += INSERT_CHUNK) {
      await ds
        .createQueryBuilder()
        .insert()
        .into(JobResultEntity)
        .values(frames.slice(i, i + INSERT_CHUNK).map((f) => ({ jobId: id, ...f })))
        .orIgnore()
        .execute();
    }
  }

  async doneIndices(id: string): Promise<Set<number>> {
    const { rows } = await this.exec(`SELECT frame_index FROM job_results WHERE job_id = ?`, [id]);
    return new Set(rows.map((r) => Number(r.frame_index)));
  }

  async countResults(id: string): Promise<number> {
    const ds = await this.source();
    return ds.getRepository(JobResultEntity).countBy({ jobId: id });
  }

  async results(id: string, offset: number, limit: number): Promise<JobResultEntity[]> {
    const ds = await this.source();
    return ds.getRepository(JobResultEntity).find({
      where: { jobId: id },
      order: { frameIndex: 'ASC' },
      skip: offset,
      take: limit,
    });
  }

  /**
   * Takes the named lease for `owner` until now + ttlMs, or renews it when `owner` holds it
   * already. True when `owner` holds it afterwards: another holder's unexpired lease wins.
   */
  async holdLease(name: string, owner: string, now: number, ttlMs: number): Promise<boolean> {
    const { rows } = await this.exec(
      `INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE leases.owner = excluded.owner OR leases.expires_at < ?
       RETURNING owner`,
      [name, owner, now + ttlMs, now],
    );
    return rows.length > 0;
  }

  /** Finished jobs older than the cutoff, for retention. */
  async finishedBefore(cutoff: number, limit: number): Promise<{ id: string; filePath: string }[]> {
    const { rows } = await this.exec(
      `SELECT id, file_path FROM jobs WHERE status IN (${FINISHED.map(() => '?').join(', ')})
         AND finished_at < ? ORDER BY finished_at LIMIT ?`,
      [...FINISHED, cutoff, limit],
    );
    return rows.map((r) => ({ id: String(r.id), filePath: String(r.file_path) }));
  }
}
