import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '@forgesyte/server/app.factory';
import { buildConfig, type AppConfig } from '@forgesyte/server/config/config';

export const REPO_ROOT = resolve(__dirname, '../..');
export const SHARED_DIR = resolve(REPO_ROOT, '..', 'shared');
export const MEDIA_DIR = join(SHARED_DIR, 'media');
/** Filled by `npm run models` (the test script runs it first). */
export const MODELS_DIR = process.env.MODELS_DIR ?? join(REPO_ROOT, 'var', 'models');
/** Node's arguments that run a TypeScript file of the repository without a build, path aliases included. */
export const TS_NODE_ARGS = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];

export interface RunningApp {
  app: NestExpressApplication;
  config: AppConfig;
  /** http://127.0.0.1:PORT */
  url: string;
  /** ws://127.0.0.1:PORT */
  wsUrl: string;
  close(): Promise<void>;
}

type Overrides = Partial<Record<keyof AppConfig, string | number>>;

/** The real application on an ephemeral loopback port, with its own temporary DATA_DIR. */
export async function startApp(overrides: Overrides = {}): Promise<RunningApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'forgesyte-test-'));
  const config = buildConfig({
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    MODELS_DIR,
    DASHBOARD_DIR: join(REPO_ROOT, 'dist', 'apps', 'dashboard', 'browser'),
    JOBS_CONCURRENCY: 0,
    ...overrides,
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (typeof address !== 'object' || address === null) throw new Error('server has no address');
  return {
    app,
    config,
    url: `http://127.0.0.1:${address.port}`,
    wsUrl: `ws://127.0.0.1:${address.port}`,
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until check() returns a value other than undefined, or fails after timeoutMs. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 30000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Resolves once /health/ready of a server (in this process or a child) answers 200: its database and models are
 * ready (startApp returns while they load in the background, and a frame sent before waits for them, which can
 * outlast a test's short timeouts).
 */
export async function untilReady(app: { url: string }, timeoutMs = 120_000): Promise<void> {
  await waitFor(async () => ((await fetch(`${app.url}/health/ready`)).status === 200 ? true : undefined), timeoutMs);
}

/** The sum of the /metrics samples whose line matches `line` (one labelled series, or several). */
export async function metricValue(app: RunningApp, line: RegExp): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => line.test(l))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}
