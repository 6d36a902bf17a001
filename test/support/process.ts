import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './app';
import { freePort } from './free-port';

export { freePort };

export const DIST_SERVER = join(REPO_ROOT, 'dist', 'apps', 'server', 'apps', 'server', 'src');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** The non-empty lines written to stdout so far. */
  stdoutLines(): string[];
  /** Everything written to stderr so far (Node's own warnings land here). */
  stderrText(): string;
  stop(): Promise<void>;
}

/** Runs the built server (dist/) as a child process, as `npm start` would, and waits until it answers. */
export async function spawnServer(env: Record<string, string>, timeoutMs = 60000): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(DIST_SERVER, 'main.js')], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${err || out}`);
    try {
      if ((await fetch(`${url}/health/live`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer within ${timeoutMs} ms: ${err || out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    stdoutLines: () => out.split('\n').filter((line) => line.trim() !== ''),
    stderrText: () => err,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
