import { Column, Entity, PrimaryColumn, type ValueTransformer } from 'typeorm';
import type { CameraStatus } from '@forgesyte/contracts';

/** PostgreSQL returns bigint as a string; epoch milliseconds fit a JS number. */
const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/**
 * One registered camera. Status and counters are written by the holder with each lease
 * heartbeat, so every process answers for every camera.
 */
@Entity({ name: 'cameras' })
export class CameraEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /** With its credentials: never logged or answered as it is (see maskUrl). */
  @Column({ type: 'text' })
  url!: string;

  @Column({ name: 'pipeline_id', type: 'varchar', length: 64 })
  pipelineId!: string;

  @Column({ type: 'double precision' })
  fps!: number;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ type: 'varchar', length: 16 })
  status!: CameraStatus;

  @Column({ name: 'last_frame_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastFrameAt!: number | null;

  @Column({ name: 'frames_processed', type: 'bigint', transformer: epochMs })
  framesProcessed!: number;

  @Column({ type: 'integer' })
  reconnects!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'lease_owner', type: 'varchar', length: 128, nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'lease_expires_at', type: 'bigint', nullable: true, transformer: epochMs })
  leaseExpiresAt!: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  /** Lines and zones as JSON (`SceneGeometry`), null without any. */
  @Column({ name: 'scene_geometry', type: 'text', nullable: true })
  sceneGeometry!: string | null;

  /**
   * The scene's state (`SceneState` JSON) as of the holder's last heartbeat or stop, so counts survive a restart or
   * takeover; null when the camera has no lines or zones, or they were just changed.
   */
  @Column({ name: 'scene_state', type: 'text', nullable: true })
  sceneState!: string | null;
}
