import { cpus } from 'node:os';
import { z } from 'zod';

const intIn = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be between ${min} and ${max}` })
    .max(max, { error: `must be between ${min} and ${max}` });

const ratio = z.coerce
  .number({ error: 'must be a number' })
  .min(0, { error: 'must be between 0 and 1' })
  .max(1, { error: 'must be between 0 and 1' });

const flag = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');

const commaList = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** `https://host[:port]`, as a browser sends it in the Origin header; normalised (lower case, no default port). */
const originList = z.string().transform((value, ctx) => {
  const origins: string[] = [];
  for (const item of commaList(value)) {
    let origin: string | null = null;
    try {
      const url = new URL(item);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.pathname === '/' && !url.search)
        origin = url.origin;
    } catch {
      origin = null;
    }
    if (origin === null) {
      ctx.addIssue({ code: 'custom', message: `has "${item}", which is not an origin like https://host:port` });
      return z.NEVER;
    }
    origins.push(origin);
  }
  return origins;
});

/**
 * Which reverse proxies to believe about the client's address (X-Forwarded-For), in Express's
 * terms: false (none), true (all), a hop count, or addresses / CIDR ranges / loopback,
 * linklocal, uniquelocal.
 */
const trustProxy = z.string().transform((value, ctx): boolean | number | string[] => {
  if (value === 'false' || value === '0') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  const items = commaList(value);
  const named = new Set(['loopback', 'linklocal', 'uniquelocal']);
  const address = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/;
  const bad = items.find((item) => !named.has(item) && !address.test(item));
  if (bad !== undefined || items.length === 0) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be false, true, a hop count, or a comma-separated list of addresses, CIDR ranges or loopback',
    });
    return z.NEVER;
  }
  return items;
});

const positive = z.coerce.number({ error: 'must be a number' }).positive({ error: 'must be greater than 0' });

/**
 * Every setting the service reads from the environment, with its default.
 * docs/CONFIGURATION.md documents each one; keep them in step.
 */
export const configSchema = z
  .object({
    PORT: intIn(0, 65535).default(8000),
    HOST: z.string().min(1).default('0.0.0.0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\/.+/, { error: 'must be a postgres:// or postgresql:// URL' })
      .optional(),
    DATA_DIR: z.string().min(1).default('var/data'),
    MODELS_DIR: z.string().min(1).default('var/models'),
    MODEL_SOURCE: z.string().min(1).optional(),
    DASHBOARD_DIR: z.string().min(1).default('dist/apps/dashboard/browser'),
    PIPELINES: z
      .string()
      .regex(/^[a-z0-9_]+(,[a-z0-9_]+)*$/, { error: 'must be a comma-separated list of pipeline ids' })
      .default('yolo,ocr,yolo_ocr,yolo_track'),
    ORT_INTRA_OP_THREADS: intIn(1, 256).default(Math.max(1, cpus().length)),
    ORT_ALLOW_SPINNING: z
      .enum(['auto', 'true', 'false', '1', '0'], { error: 'must be auto, true or false' })
      .default('false')
      .transform((v) => (v === 'auto' ? 'auto' : v === 'true' || v === '1')),
    MODELS_MANIFEST: z.string().min(1).default('models/manifest.json'),
    PIPELINE_CONCURRENCY: intIn(1, 64).default(2),
    PIPELINE_WORKERS: intIn(1, 64).default(Math.max(1, cpus().length)),
    PIPELINE_LIVE_QUEUE: intIn(0, 1000).default(2),
    IMAGE_MAX_PIXELS: intIn(1, 1_000_000_000).default(40_000_000),
    STREAM_MAX_FRAME_SIZE_MB: positive.default(5),
    STREAM_DROP_THRESHOLD: ratio.default(0.1),
    STREAM_SLOWDOWN_THRESHOLD: ratio.default(0.3),
    STREAM_MAX_SESSIONS: intIn(1, 10000).default(10),
    STREAM_IDLE_TIMEOUT_S: positive.default(30),
    STREAM_SESSION_TIMEOUT_S: positive.default(600),
    STREAM_MAX_BUFFERED_KB: intIn(16, 1048576).default(1024),
    UPLOAD_MAX_MB: positive.default(500),
    JOBS_CONCURRENCY: intIn(0, 64).default(1),
    JOBS_RETENTION_HOURS: positive.default(168),
    JOBS_LEASE_S: positive.default(30),
    JOBS_MAX_ATTEMPTS: intIn(1, 100).default(3),
    FFMPEG_PATH: z.string().min(1).optional(),
    API_KEYS: z.string().transform(commaList).default([]),
    API_KEYS_FILE: z.string().min(1).optional(),
    METRICS_REQUIRE_KEY: flag.default(false),
    ALLOWED_ORIGINS: originList.default([]),
    TRUST_PROXY: trustProxy.default(false),
    RATE_LIMIT_WINDOW_S: intIn(1, 86400).default(60),
    RATE_LIMIT_REQUESTS: intIn(1, 1_000_000).default(3000),
    RATE_LIMIT_SUBMISSIONS: intIn(1, 1_000_000).default(60),
    STREAM_MAX_SESSIONS_PER_CLIENT: intIn(1, 10000).default(8),
    JOBS_MAX_VIDEO_PIXELS: intIn(1, 1_000_000_000).default(40_000_000),
    JOBS_MAX_FRAMES: intIn(1, 100_000_000).default(500_000),
    SHUTDOWN_TIMEOUT_S: positive.default(25),
    HTTP_HEADERS_TIMEOUT_S: positive.default(20),
    CAMERAS_ENABLED: flag.default(true),
    CAMERAS_MAX_PER_PROCESS: intIn(0, 1000).default(8),
    CAMERAS_LEASE_S: positive.default(15),
    CAMERAS_BACKOFF_MAX_S: positive.default(30),
    CAMERAS_STALL_S: positive.default(10),
    CAMERAS_ALLOW_FILES: flag.default(false),
    CAMERAS_URL_ALLOW: z.string().transform(commaList).default([]),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\/.+/, { error: 'must be a redis:// or rediss:// URL' })
      .optional(),
    REDIS_KEY_PREFIX: z.string().min(1).default('forgesyte:'),
  })
  .refine((c) => c.STREAM_DROP_THRESHOLD <= c.STREAM_SLOWDOWN_THRESHOLD, {
    path: ['STREAM_DROP_THRESHOLD'],
    error: 'must not exceed STREAM_SLOWDOWN_THRESHOLD',
  });

export type AppConfig = z.infer<typeof configSchema>;
