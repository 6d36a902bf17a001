import type { MixedList } from 'typeorm';
import { JobEntity, JobResultEntity } from '../jobs/job.entity';
import { CreateJobs1732000000000 } from '../jobs/jobs.migrations';

/**
 * Entities and migrations of every feature. A feature adds its classes here; the schema only
 * changes through migrations (synchronize stays off).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const ENTITIES: MixedList<Function> = [JobEntity, JobResultEntity];
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MIGRATIONS: MixedList<Function> = [CreateJobs1732000000000];
