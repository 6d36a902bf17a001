import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, TS_NODE_ARGS } from '../support/app';

/**
 * Ending a worker thread while onnxruntime runs a model in it must never take the process down: `Worker.terminate()`
 * at that moment makes the addon throw into a terminating environment, which aborts the whole process (SIGABRT). The
 * pool ends its threads from the inside instead. Run in a child process, so an abort fails this test, not the runner.
 */
describe('ending detector worker threads while they run a model', () => {
  it('survives 10 kills in the middle of runs and a close with frames in flight', async () => {
    const child = spawn(
      process.execPath,
      [...TS_NODE_ARGS, join('test', 'support', 'kill-detector-mid-run.ts'), '10'],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (c, s) => resolve([c, s])),
    );
    expect({ code, signal, out: out.trim() }).toEqual({ code: 0, signal: null, out: 'survived 10' });
  }, 300_000);
});
