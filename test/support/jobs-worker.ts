import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { MODELS_DIR, REPO_ROOT, waitFor, TS_NODE_ARGS } from './app';

/** One JSON log line of a worker process. */
export interface WorkerEvent {
  event?: string;
  job_id?: string;
  owner?: string;
  attempt?: number;
  resumed_from?: number;
  [key: string]: unknown;
}

export interface WorkerProcess {
  child: ChildProcess;
  events: WorkerEvent[];
  /** Resolves with the first event matching, once it is logged. */
  waitForEvent(match: (e: WorkerEvent) => boolean, timeoutMs?: number): Promise<WorkerEvent>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * `apps/server/src/worker.ts` in its own process (through ts-node, so it needs no build), the
 * way `npm run start:worker` runs the compiled one; `main.ts` for a whole server (give it PORT).
 */
export function spawnWorker(
  env: Record<string, string | number>,
  entry: 'worker.ts' | 'main.ts' = 'worker.ts',
): WorkerProcess {
  const child = spawn(process.execPath, [...TS_NODE_ARGS, join(REPO_ROOT, 'apps/server/src', entry)], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      TS_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'),
      MODELS_DIR,
      LOG_LEVEL: 'info',
      JOBS_CONCURRENCY: '1',
      PIPELINES: 'yolo',
      ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: WorkerEvent[] = [];
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        events.push(JSON.parse(line) as WorkerEvent);
      } catch {
        // not a log line
      }
    }
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    events,
    waitForEvent(match, timeoutMs = 60_000) {
      return waitFor(async () => {
        const found = events.find(match);
        if (!found && child.exitCode !== null) throw new Error(`worker exited (${child.exitCode}): ${stderr}`);
        return Promise.resolve(found);
      }, timeoutMs);
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
