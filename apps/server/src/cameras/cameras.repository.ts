import { Injectable } from '@nestjs/common';
import type { CameraStatus } from '@forgesyte/contracts';
import { DatabaseService } from '../database/database.service';
import { CameraEntity } from './camera.entity';

export interface NewCamera {
  id: string;
  name: string;
  url: string;
  pipelineId: string;
  fps: number;
  enabled: boolean;
  createdAt: number;
  sceneGeometry: string | null;
}

export type CameraChanges = Partial<
  Pick<CameraEntity, 'name' | 'url' | 'pipelineId' | 'fps' | 'enabled' | 'sceneGeometry' | 'sceneState'>
>;

/** What the holder writes with each heartbeat. */
export interface CameraProgress {
  status: CameraStatus;
  lastFrameAt: number | null;
  framesProcessed: number;
  reconnects: number;
  lastError: string | null;
  /** The scene's state (JSON) for cameras with lines or zones; null leaves the stored one. */
  sceneState: string | null;
}

/** The only place that talks to the database for cameras and their holders. */
/** A new camera's row: no holder, no frame, no counts yet; `waiting` for a holder, or `stopped` when disabled. */
export function newCameraRow(camera: NewCamera): CameraEntity {
  return {
    ...camera,
    status: camera.enabled ? 'waiting' : 'stopped',
    lastFrameAt: null,
    framesProcessed: 0,
    reconnects: 0,
    lastError: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    sceneState: null,
  };
}

@Injectable()
export class CamerasRepository {
  constructor(private readonly database: DatabaseService) {}

  private async repo() {
    return (await this.database.ready()).getRepository(CameraEntity);
  }

  async ready(): Promise<void> {
    await this.database.ready();
  }

  async insert(camera: NewCamera): Promise<CameraEntity> {
    const row = newCameraRow(camera);
    await (await this.repo()).insert(row);
    return row;
  }

  async find(id: string): Promise<CameraEntity | null> {
    return (await this.repo()).findOneBy({ id });
  }

  async list(): Promise<CameraEntity[]> {
    return (await this.repo()).find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /**
   * Applies an edit. Disabling ends the lease and says `stopped`; enabling says `waiting`; any
   * other change to the source also ends the lease, so the holder restarts it with the new
   * settings (or another process takes it).
   */
  async update(id: string, changes: CameraChanges): Promise<CameraEntity | null> {
    const repo = await this.repo();
    const fields: Partial<CameraEntity> = { ...changes };
    if (changes.enabled === false) Object.assign(fields, { status: 'stopped', leaseOwner: null, leaseExpiresAt: null });
    else if (Object.keys(changes).some((k) => k !== 'name')) {
      Object.assign(fields, { status: 'waiting', leaseOwner: null, leaseExpiresAt: null });
    }
    if (Object.keys(fields).length > 0) {
      const { affected } = await repo.update({ id }, fields);
      if (affected === 0) return null;
    }
    return repo.findOneBy({ id });
  }

  async remove(id: string): Promise<boolean> {
    const { affected } = await (await this.repo()).delete({ id });
    return (affected ?? 0) > 0;
  }

  /** Renews this process's holder row and answers how many processes hold cameras right now. */
  async beatHolder(owner: string, now: number, leaseMs: number): Promise<number> {
    await this.database.sql(
      `INSERT INTO camera_holders (owner, expires_at) VALUES (?, ?)
       ON CONFLICT (owner) DO UPDATE SET expires_at = excluded.expires_at`,
      [owner, now + leaseMs],
    );
    await this.database.sql(`DELETE FROM camera_holders WHERE expires_at < ?`, [now - leaseMs]);
    const { rows } = await this.database.sql(`SELECT COUNT(*) AS n FROM camera_holders WHERE expires_at >= ?`, [now]);
    return Math.max(1, Number(rows[0]?.['n'] ?? 1));
  }

  async dropHolder(owner: string): Promise<void> {
    await this.database.sql(`DELETE FROM camera_holders WHERE owner = ?`, [owner]);
  }

  async countEnabled(): Promise<number> {
    return (await this.repo()).countBy({ enabled: true });
  }

  /**
   * Takes the oldest enabled camera no live lease holds, in one statement (PostgreSQL skips rows
   * another process is claiming; SQLite serialises writers). Null when none is free.
   */
  async claim(owner: string, now: number, leaseMs: number): Promise<string | null> {
    const lock = this.database.kind === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
    const free = `(enabled = ? AND (lease_owner IS NULL OR lease_expires_at < ?))`;
    const { rows } = await this.database.sql(
      `UPDATE cameras SET lease_owner = ?, lease_expires_at = ?, status = 'starting', frames_processed = 0
       WHERE id = (SELECT id FROM cameras WHERE ${free} ORDER BY created_at, id LIMIT 1 ${lock}) AND ${free}
       RETURNING id`,
      [owner, now + leaseMs, true, now, true, now],
    );
    const id = rows[0]?.['id'];
    return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
  }

  /** Extends the lease and writes status and counters; false when the camera is no longer ours. */
  async heartbeat(id: string, owner: string, progress: CameraProgress, now: number, leaseMs: number): Promise<boolean> {
    const { affected } = await this.database.sql(
      `UPDATE cameras SET lease_expires_at = ?, status = ?, last_frame_at = ?, frames_processed = ?,
         reconnects = ?, last_error = ?, scene_state = COALESCE(?, scene_state)
       WHERE id = ? AND lease_owner = ? AND enabled = ?`,
      [
        now + leaseMs,
        progress.status,
        progress.lastFrameAt,
        progress.framesProcessed,
        progress.reconnects,
        progress.lastError,
        progress.sceneState,
        id,
        owner,
        true,
      ],
    );
    return affected > 0;
  }

  /**
   * A stopped runner's last scene state, so the next holder resumes from it: written only while the camera keeps the
   * lines and zones the runner counted (new ones restart the counts) and no other process has claimed it since.
   */
  async saveScene(id: string, owner: string, geometry: string, state: string): Promise<void> {
    await this.database.sql(
      `UPDATE cameras SET scene_state = ?
       WHERE id = ? AND scene_geometry = ? AND (lease_owner IS NULL OR lease_owner = ?)`,
      [state, id, geometry, owner],
    );
  }

  /** Hands a camera back (graceful stop, rebalancing): another process may claim it at once. */
  async release(id: string, owner: string): Promise<void> {
    await this.database.sql(
      `UPDATE cameras SET lease_owner = NULL, lease_expires_at = NULL, status = 'waiting'
       WHERE id = ? AND lease_owner = ? AND enabled = ?`,
      [id, owner, true],
    );
  }
}
