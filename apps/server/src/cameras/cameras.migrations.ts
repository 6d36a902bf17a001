import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cameras, and one heartbeat row per process that may hold cameras (`camera_holders`), so each
 * process knows how many share the cameras and claims only its part.
 */
export class CreateCameras1736000000000 implements MigrationInterface {
  name = 'CreateCameras1736000000000';

  async up(runner: QueryRunner): Promise<void> {
    const postgres = runner.connection.options.type === 'postgres';
    const real = postgres ? 'double precision' : 'real';
    await runner.query(`
      CREATE TABLE cameras (
        id varchar(36) PRIMARY KEY,
        name varchar(200) NOT NULL,
        url text NOT NULL,
        pipeline_id varchar(64) NOT NULL,
        fps ${real} NOT NULL,
        enabled boolean NOT NULL,
        status varchar(16) NOT NULL,
        last_frame_at bigint,
        frames_processed bigint NOT NULL DEFAULT 0,
        reconnects integer NOT NULL DEFAULT 0,
        last_error text,
        lease_owner varchar(128),
        lease_expires_at bigint,
        created_at bigint NOT NULL
      )`);
    await runner.query(`
      CREATE TABLE camera_holders (
        owner varchar(128) PRIMARY KEY,
        expires_at bigint NOT NULL
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE camera_holders`);
    await runner.query(`DROP TABLE cameras`);
  }
}

/** Lines and zones of tracking cameras, and the scene state their counts resume from. */
export class AddCameraScene1737000000000 implements MigrationInterface {
  name = 'AddCameraScene1737000000000';

  async up(runner: QueryRunner): Promise<void> {
    for (const column of ['scene_geometry', 'scene_state']) {
      await runner.query(`ALTER TABLE cameras ADD COLUMN ${column} text`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const column of ['scene_state', 'scene_geometry']) {
      await runner.query(`ALTER TABLE cameras DROP COLUMN ${column}`);
    }
  }
}
