import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigError, loadConfig, type AppConfig } from './config/config';
import { WorkerModule } from './worker.module';

/** `npm run start:worker`: processes video jobs from a shared database and DATA_DIR; serves no HTTP. */
function configOrExit(): AppConfig {
  try {
    const config = loadConfig(process.env);
    if (config.JOBS_CONCURRENCY === 0) {
      process.stderr.write('forgesyte-worker: invalid configuration: JOBS_CONCURRENCY=0 leaves the worker idle\n');
      process.exit(78);
    }
    return config;
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems)
        process.stderr.write(`forgesyte-worker: invalid configuration: ${problem}\n`);
      process.exit(78);
    }
    throw error;
  }
}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.createApplicationContext(WorkerModule.register(configOrExit()), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // SIGTERM/SIGINT hand running jobs back to the queue before the process exits.
  app.enableShutdownHooks();
  await app.init();
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `forgesyte-worker: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
