import type { MixedList } from 'typeorm';
import { CameraEntity } from '../cameras/camera.entity';
import { AddCameraScene1737000000000, CreateCameras1736000000000 } from '../cameras/cameras.migrations';
import { JobEntity, JobResultEntity } from '../jobs/job.entity';
import { AddJobScene1735000000000, CreateJobs1732000000000, CreateLeases1733000000000 } from '../jobs/jobs.migrations';

/**
 * Entities and migrations of every feature. A feature adds its classes here; the schema only
 * changes through migrations (synchronize stays off).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const ENTITIES: MixedList<Function> = [JobEntity, JobResultEntity, CameraEntity];
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MIGRATIONS: MixedList<Function> = [
  CreateJobs1732000000000,
  CreateLeases1733000000000,
  AddJobScene1735000000000,
  CreateCameras1736000000000,
  AddCameraScene1737000000000,
];
