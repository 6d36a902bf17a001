import type { AppConfig } from './config/config';
import { BUILD_INFO } from './build-info';

/** Whether requests must carry an API key. */
export type AccessControl = 'on' | 'off';

export interface ServerReadyEvent {
  event: 'server_ready';
  msg: string;
  url: string;
  database: 'sqlite' | 'postgres';
  pipelines: string[];
  auth: AccessControl;
  version: string;
  node_version: string;
}

/** The one start-up line an operator reads: where it listens, what it stores in, what it serves. */
export function serverReadyEvent(
  config: AppConfig,
  url: string,
  pipelines: string[],
  auth: AccessControl,
): ServerReadyEvent {
  const database = config.DATABASE_URL ? 'postgres' : 'sqlite';
  return {
    event: 'server_ready',
    msg: `ForgeSyte ${BUILD_INFO.version} ready on ${url}: database ${database}, pipelines ${pipelines.join(', ') || 'none'}, auth ${auth}`,
    url,
    database,
    pipelines,
    auth,
    version: BUILD_INFO.version,
    node_version: process.version,
  };
}
