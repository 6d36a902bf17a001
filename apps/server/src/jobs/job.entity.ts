import { Column, Entity, Index, PrimaryColumn, type ValueTransformer } from 'typeorm';
import type { JobStatus } from '@forgesyte/contracts';

/** PostgreSQL returns bigint as a string; epoch milliseconds fit a JS number. */
const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

@Entity({ name: 'jobs' })
@Index('jobs_status_created_idx', ['status', 'createdAt'])
export class JobEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: JobStatus;

  @Column({ name: 'pipeline_id', type: 'varchar', length: 64 })
  pipelineId!: string;

  /** Frames per second to sample; null means every frame. */
  @Column({ type: 'double precision', nullable: true })
  fps!: number | null;

  @Column({ name: 'file_path', type: 'text' })
  filePath!: string;

  @Column({ name: 'original_name', type: 'text', nullable: true })
  originalName!: string | null;

  /** Null until a worker has counted the frames it will process. */
  @Column({ name: 'frames_total', type: 'integer', nullable: true })
  framesTotal!: number | null;

  @Column({ name: 'frames_processed', type: 'integer', default: 0 })
  framesProcessed!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;

  @Column({ name: 'started_at', type: 'bigint', nullable: true, transformer: epochMs })
  startedAt!: number | null;

  @Column({ name: 'finished_at', type: 'bigint', nullable: true, transformer: epochMs })
  finishedAt!: number | null;

  @Column({ name: 'lease_owner', type: 'varchar', length: 128, nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'lease_expires_at', type: 'bigint', nullable: true, transformer: epochMs })
  leaseExpiresAt!: number | null;

  /** How many times a worker claimed the job: 1 unless a lease expired and another took over. */
  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** Tracking jobs with lines or zones: the validated `SceneGeometry` as JSON. */
  @Column({ name: 'scene_geometry', type: 'text', nullable: true })
  sceneGeometry!: string | null;

  /** Tracking jobs: `{frame, state}` JSON, the scene after every frame up to `frame` was stored (resume point). */
  @Column({ name: 'scene_state', type: 'text', nullable: true })
  sceneState!: string | null;

  /** Jobs with lines: `LineCount[]` JSON, the counts of the stored frames. */
  @Column({ name: 'line_counts', type: 'text', nullable: true })
  lineCounts!: string | null;
}

@Entity({ name: 'job_results' })
export class JobResultEntity {
  @PrimaryColumn({ name: 'job_id', type: 'varchar', length: 36 })
  jobId!: string;

  @PrimaryColumn({ name: 'frame_index', type: 'integer' })
  frameIndex!: number;

  @Column({ name: 'timestamp_ms', type: 'integer' })
  timestampMs!: number;

  /** The PipelineResult as JSON text, identical on both databases. */
  @Column({ type: 'text' })
  result!: string;
}
