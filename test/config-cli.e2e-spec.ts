import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './support/app';

const MAIN = join(REPO_ROOT, 'dist', 'apps', 'server', 'apps', 'server', 'src', 'main.js');

describe('starting the server with a bad configuration', () => {
  it.each([
    [{ PORT: '-1' }, 'PORT=-1 must be between 0 and 65535'],
    [{ STREAM_DROP_THRESHOLD: 'abc' }, 'STREAM_DROP_THRESHOLD=abc must be a number'],
  ])('stops with one clear line and no stack trace (%j)', (env, message) => {
    const run = spawnSync(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
      timeout: 30000,
    });
    expect(run.status).toBe(78);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toEqual([`forgesyte: invalid configuration: ${message}`]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
