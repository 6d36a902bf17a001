import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Jobs and their per-frame results; one schema for SQLite and PostgreSQL. */
export class CreateJobs1732000000000 implements MigrationInterface {
  name = 'CreateJobs1732000000000';

  async up(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    const real = postgres ? 'double precision' : 'real';
    await runner.query(`
      CREATE TABLE jobs (
        id varchar(36) PRIMARY KEY,
        status varchar(16) NOT NULL,
        pipeline_id varchar(64) NOT NULL,
        fps ${real},
        file_path text NOT NULL,
        original_name text,
        frames_total integer,
        frames_processed integer NOT NULL DEFAULT 0,
        error text,
        created_at bigint NOT NULL,
        started_at bigint,
        finished_at bigint,
        lease_owner varchar(128),
        lease_expires_at bigint,
        attempts integer NOT NULL DEFAULT 0
      )`);
    await runner.query(`CREATE INDEX jobs_status_created_idx ON jobs (status, created_at)`);
    await runner.query(`
      CREATE TABLE job_results (
        job_id varchar(36) NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        frame_index integer NOT NULL,
        timestamp_ms integer NOT NULL,
        result text NOT NULL,
        PRIMARY KEY (job_id, frame_index)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE job_results`);
    await runner.query(`DROP TABLE jobs`);
  }
}

/** Named leases, so that one process in a deployment does a periodic chore (the retention sweep). */
export class CreateLeases1733000000000 implements MigrationInterface {
  name = 'CreateLeases1733000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE leases (
        name varchar(64) PRIMARY KEY,
        owner varchar(128) NOT NULL,
        expires_at bigint NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE leases`);
  }
}

/** Tracking jobs: their lines and zones, the tracker state at the last checkpoint, and the line counts so far. */
export class AddJobScene1735000000000 implements MigrationInterface {
  name = 'AddJobScene1735000000000';

  async up(runner: QueryRunner): Promise<void> {
    for (const column of ['scene_geometry', 'scene_state', 'line_counts']) {
      await runner.query(`ALTER TABLE jobs ADD COLUMN ${column} text`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const column of ['line_counts', 'scene_state', 'scene_geometry']) {
      await runner.query(`ALTER TABLE jobs DROP COLUMN ${column}`);
    }
  }
}
