import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, postgresAvailable } from './postgres';

/** Where a jobs test keeps its state: a fresh SQLite directory or a fresh PostgreSQL database. */
export interface JobsStore {
  kind: 'sqlite' | 'postgres';
  dataDir: string;
  /** Config overrides that point a server or worker at this store. */
  env: { DATA_DIR: string; DATABASE_URL?: string };
  drop(): Promise<void>;
}

export const STORE_KINDS = ['sqlite', 'postgres'] as const;

/**
 * A fresh store, or null (with a printed notice) when PostgreSQL is asked for but no server is
 * reachable. CI sets TEST_REQUIRE_POSTGRES so a missing server fails there instead.
 */
export async function createJobsStore(kind: JobsStore['kind']): Promise<JobsStore | null> {
  const dataDir = mkdtempSync(join(tmpdir(), `forgesyte-jobs-${kind}-`));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  if (kind === 'sqlite') {
    return { kind, dataDir, env: { DATA_DIR: dataDir }, drop: () => Promise.resolve(removeDir()) };
  }
  if (!(await postgresAvailable())) {
    removeDir();
    if (process.env.TEST_REQUIRE_POSTGRES)
      throw new Error('TEST_REQUIRE_POSTGRES is set but PostgreSQL is not reachable');
    process.stdout.write('notice: PostgreSQL not reachable; the PostgreSQL jobs tests do nothing here\n');
    return null;
  }
  const db = await createTestDatabase('forgesyte_jobs');
  return {
    kind,
    dataDir,
    env: { DATA_DIR: dataDir, DATABASE_URL: db.url },
    async drop() {
      await db.drop();
      removeDir();
    },
  };
}
