import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const SCRIPT = join(__dirname, 'prune-dev-optional.mjs');

type Lock = Record<string, { version: string; devOptional?: boolean; optional?: boolean }>;

/** A pruned install in a temp folder: package.json, package-lock.json, node_modules with the lockfile's packages. */
function install(dependencies: Record<string, string>, packages: Lock, links: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'prune-dev-optional-'));
  const write = (file: string, value: unknown) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), JSON.stringify(value));
  };
  write('package.json', { name: 'app', dependencies, devDependencies: { 'ts-node': '10.9.2' } });
  const lock = { lockfileVersion: 3, packages: { '': { name: 'app' }, ...packages } };
  write('package-lock.json', lock);
  write('node_modules/.package-lock.json', lock);
  for (const [path, entry] of Object.entries(packages)) write(`${path}/package.json`, { version: entry.version });
  for (const [link, target] of Object.entries(links)) {
    mkdirSync(dirname(join(dir, link)), { recursive: true });
    symlinkSync(target, join(dir, link));
  }
  return dir;
}

function prune(dir: string) {
  return spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' });
}

describe('scripts/prune-dev-optional.mjs', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('removes devOptional packages and their command links, and keeps production and optional ones', () => {
    const dir = install(
      { typeorm: '1.1.1', sharp: '0.35.5' },
      {
        'node_modules/typeorm': { version: '1.1.1' },
        'node_modules/sharp': { version: '0.35.5' },
        'node_modules/@img/sharp-linux-x64': { version: '0.35.5', optional: true },
        'node_modules/ts-node': { version: '10.9.2', devOptional: true },
        'node_modules/@types/node': { version: '20.19.43', devOptional: true },
        'node_modules/typeorm/node_modules/typescript': { version: '5.9.3', devOptional: true },
      },
      {
        'node_modules/.bin/ts-node': '../ts-node/dist/bin.js',
        'node_modules/.bin/typeorm': '../typeorm/package.json',
        'node_modules/typeorm/node_modules/.bin/tsc': '../typescript/bin/tsc',
      },
    );
    dirs.push(dir);

    const run = prune(dir);

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      'removed 3 packages only dev dependencies need (@types/node, ts-node, typescript) and 2 command links',
    );
    for (const gone of [
      'node_modules/ts-node',
      'node_modules/@types/node',
      'node_modules/typeorm/node_modules/typescript',
    ]) {
      expect(existsSync(join(dir, gone))).toBe(false);
    }
    for (const kept of [
      'node_modules/typeorm',
      'node_modules/sharp',
      'node_modules/@img/sharp-linux-x64',
      'node_modules/.bin/typeorm',
    ]) {
      expect(existsSync(join(dir, kept))).toBe(true);
    }
    expect(existsSync(join(dir, 'node_modules/typeorm/node_modules/.bin/tsc'))).toBe(false);
    const hidden = JSON.parse(readFileSync(join(dir, 'node_modules/.package-lock.json'), 'utf8')) as { packages: Lock };
    expect(Object.keys(hidden.packages).sort()).toEqual([
      '',
      'node_modules/@img/sharp-linux-x64',
      'node_modules/sharp',
      'node_modules/typeorm',
    ]);
  });

  it('refuses to remove a production dependency the lockfile marks devOptional, and removes nothing', () => {
    const dir = install(
      { express: '5.3.0' },
      {
        'node_modules/express': { version: '5.3.0', devOptional: true },
        'node_modules/ts-node': { version: '10.9.2', devOptional: true },
      },
      {},
    );
    dirs.push(dir);

    const run = prune(dir);

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('the lockfile marks production dependencies devOptional: node_modules/express');
    expect(existsSync(join(dir, 'node_modules/express'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules/ts-node'))).toBe(true);
  });

  it('keeps express: @nestjs/serve-static loads it at runtime (its optional peer), so it is a production dependency', () => {
    const root = join(__dirname, '..');
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Lock };

    const express = lock.packages['node_modules/express'];

    expect(express).toBeDefined();
    expect(manifest.dependencies.express).toBe(express?.version);
    expect(express?.devOptional).toBeUndefined();
  });
});
