import { Inject } from '@nestjs/common';
import { configSchema, type AppConfig } from './config.schema';

export type { AppConfig } from './config.schema';

export const APP_CONFIG = Symbol('APP_CONFIG');

/** Injects the validated configuration object. */
export const InjectConfig = (): PropertyDecorator & ParameterDecorator => Inject(APP_CONFIG);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment once. Empty strings count as unset, so `PORT=` falls back to the
 * default instead of failing as "not a number".
 */
export function loadConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined>): AppConfig {
  const known = Object.keys(configSchema.shape);
  const input: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') input[key] = value.trim();
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'config');
        const given = input[name];
        return given === undefined ? `${name} ${issue.message}` : `${name}=${given} ${issue.message}`;
      }),
    );
  }
  return parsed.data;
}

/** Test helper and programmatic entry point: defaults overridden by the given values. */
export function buildConfig(overrides: Partial<Record<keyof AppConfig, string | number>> = {}): AppConfig {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) env[key] = String(value);
  }
  return loadConfig(env);
}

/**
 * For process entry points: the validated configuration, or exit 78 with one line per problem
 * (naming the variable and the rule) and no stack trace.
 */
export function loadConfigOrExit(program: string, env: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) process.stderr.write(`${program}: invalid configuration: ${problem}\n`);
    process.exit(78);
  }
}
