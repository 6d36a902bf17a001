import type { MixedList } from 'typeorm';

/**
 * Entities and migrations of every feature. A feature adds its classes here; the schema only
 * changes through migrations (synchronize stays off).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const ENTITIES: MixedList<Function> = [];
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MIGRATIONS: MixedList<Function> = [];
