import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InjectConfig, type AppConfig } from '../config/config';
import { dataSourceOptions } from './database.options';
import { errorMessage } from '../common/error-message';

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;
/** Any constant shared by every ForgeSyte process: the key of the migration advisory lock. */
const MIGRATION_LOCK_ID = 0x46535954; // "FSYT"

/**
 * Owns the one DataSource. It connects in the background with retries, so the process starts
 * (and /health/ready says 503) while the database is unreachable instead of crashing.
 */
@Injectable()
export class DatabaseService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  readonly dataSource: DataSource;
  private readyPromise!: Promise<DataSource>;
  private stopped = false;
  private lastError: string | null = 'connecting';

  constructor(@InjectConfig() private readonly config: AppConfig) {
    this.dataSource = new DataSource(dataSourceOptions(config));
  }

  onModuleInit(): void {
    this.readyPromise = this.connect();
    // Callers await ready(); an unhandled rejection here would only mean shutdown came first.
    this.readyPromise.catch(() => undefined);
  }

  get kind(): 'postgres' | 'sqlite' {
    return this.config.DATABASE_URL ? 'postgres' : 'sqlite';
  }

  /** Connected and migrated: queries can run now. */
  get isReady(): boolean {
    return this.lastError === null && this.dataSource.isInitialized;
  }

  /** Resolves once connected and migrated; rejects only if the service stops first. */
  ready(): Promise<DataSource> {
    return this.readyPromise;
  }

  /** Why the database is not usable right now, or null when it is. */
  async problem(timeoutMs = 1000): Promise<string | null> {
    if (!this.dataSource.isInitialized) return this.lastError ?? 'not connected';
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), timeoutMs);
      return null;
    } catch (error) {
      return errorMessage(error);
    }
  }

  /**
   * Raw SQL written with `?` placeholders (numbered for PostgreSQL), for the statements TypeORM's
   * builders cannot say (conditional claims with RETURNING). Waits for the database first.
   */
  async sql(sql: string, params: unknown[]): Promise<{ rows: Record<string, unknown>[]; affected: number }> {
    const ds = await this.ready();
    let n = 0;
    const text = this.kind === 'postgres' ? sql.replace(/\?/g, () => `$${++n}`) : sql;
    const runner = ds.createQueryRunner();
    try {
      const result = await runner.query(text, params, true);
      const rows = (result.records ?? []) as Record<string, unknown>[];
      return { rows, affected: result.affected ?? rows.length };
    } finally {
      await runner.release();
    }
  }

  private async connect(): Promise<DataSource> {
    let delay = RETRY_MIN_MS;
    for (;;) {
      if (this.stopped) throw new Error('database service stopped');
      try {
        await this.dataSource.initialize();
        await this.migrate();
        this.lastError = null;
        this.logger.log({ event: 'database_connected', kind: this.kind });
        return this.dataSource;
      } catch (error) {
        this.lastError = errorMessage(error);
        this.logger.warn({ event: 'database_unavailable', kind: this.kind, error: this.lastError, retry_ms: delay });
        if (this.dataSource.isInitialized) await this.dataSource.destroy().catch(() => undefined);
        await sleep(delay);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  /**
   * Servers and workers may start together on a fresh PostgreSQL database: an advisory lock lets
   * one migrate while the others wait, then find nothing left to do. SQLite serialises writers
   * itself, and a migration that lost a race fails and is retried by connect().
   */
  private async migrate(): Promise<void> {
    if (this.kind !== 'postgres') {
      await this.dataSource.runMigrations({ transaction: 'each' });
      return;
    }
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
      try {
        await this.dataSource.runMigrations({ transaction: 'each' });
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
      }
    } finally {
      await runner.release();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
