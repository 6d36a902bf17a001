import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..');
const COMPOSE = join(ROOT, 'docker', 'compose.yaml');
const DCLINT = join(ROOT, 'node_modules', 'dclint', 'bin', 'dclint.cjs');

/**
 * dclint checks the file against the Compose Specification's JSON schema and its error-level
 * rules. no-build-and-image is off: the server builds the image under the name the worker runs.
 */
function dclint(file: string): { ok: boolean; output: string } {
  try {
    const output = execFileSync(
      process.execPath,
      [DCLINT, file, '--quiet', '--color=false', '--disable-rule', 'no-build-and-image'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return { ok: true, output };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
}

function seconds(duration: string | undefined): number {
  const match = /^(\d+)(s|m)$/.exec(duration ?? '');
  if (!match) return 0;
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

describe('docker/compose.yaml', () => {
  const text = readFileSync(COMPOSE, 'utf8');
  const compose = parse(text, { merge: true }) as { services: Record<string, Service> };

  it('passes the Compose Specification schema and dclint', () => {
    const result = dclint(COMPOSE);
    expect(result.output.trim()).toBe('');
    expect(result.ok).toBe(true);
  });

  it('is checked for real: a misspelt key fails the same check', () => {
    const dir = mkdtempSync(join(tmpdir(), 'forgesyte-compose-'));
    try {
      const broken = join(dir, 'compose.yaml');
      writeFileSync(broken, text.replace('stop_grace_period:', 'stop_grace_periods:'));
      const result = dclint(broken);
      expect(result.ok).toBe(false);
      expect(result.output).toContain('invalid-schema');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the server and a worker from one image on PostgreSQL and Redis', () => {
    const { postgres, redis, server, worker } = compose.services;
    expect(postgres?.image).toMatch(/^postgres:/);
    expect(redis?.image).toMatch(/^redis:/);
    expect(server?.build).toBeDefined();
    expect(worker?.image).toBe(server?.image);
    expect(worker?.command).toEqual(['node', 'dist/apps/server/apps/server/src/worker.js']);
    expect(server?.depends_on).toMatchObject({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
  });

  it('gives both processes the database, Redis, a place for API keys and time to shut down', () => {
    for (const name of ['server', 'worker']) {
      const service = compose.services[name];
      expect(service?.environment).toMatchObject({
        DATABASE_URL: expect.stringMatching(/^postgres:\/\/.+@postgres:5432\//) as unknown,
        REDIS_URL: 'redis://redis:6379',
        API_KEYS: expect.any(String) as unknown,
      });
      // Above the 10 s default: live streams close and a running job is handed back first.
      expect(seconds(service?.stop_grace_period)).toBeGreaterThanOrEqual(20);
    }
  });
});
