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
      .default('yolo,ocr,yolo_ocr'),
    ORT_INTRA_OP_THREADS: intIn(1, 256).default(Math.max(1, cpus().length)),
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
  })
  .refine((c) => c.STREAM_DROP_THRESHOLD <= c.STREAM_SLOWDOWN_THRESHOLD, {
    path: ['STREAM_DROP_THRESHOLD'],
    error: 'must not exceed STREAM_SLOWDOWN_THRESHOLD',
  });

export type AppConfig = z.infer<typeof configSchema>;
