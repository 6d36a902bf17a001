import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/config';
import { ENTITIES, MIGRATIONS } from './database.registry';

/** SQLite in DATA_DIR unless DATABASE_URL names a PostgreSQL server. */
export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
  } as const;
  if (config.DATABASE_URL) {
    return {
      ...common,
      type: 'postgres',
      url: config.DATABASE_URL,
      connectTimeoutMS: 5000,
      extra: { max: 10 },
    };
  }
  const dir = resolve(config.DATA_DIR);
  mkdirSync(dir, { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: join(dir, 'forgesyte.sqlite'),
    enableWAL: true,
    // Several processes (server and workers) may share the file: wait for locks instead of failing.
    timeout: 5000,
  };
}
