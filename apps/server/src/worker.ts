import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { errorMessage } from './common/error-message';
import { exitAfterShutdownTimeout } from './common/shutdown-timeout';
import { loadConfigOrExit, type AppConfig } from './config/config';
import { WorkerModule } from './worker.module';

/** `npm run start:worker`: processes video jobs from a shared database and DATA_DIR; serves no HTTP. */
function configOrExit(): AppConfig {
  const config = loadConfigOrExit('forgesyte-worker');
  if (config.JOBS_CONCURRENCY === 0) {
    process.stderr.write('forgesyte-worker: invalid configuration: JOBS_CONCURRENCY=0 leaves the worker idle\n');
    process.exit(78);
  }
  return config;
}

async function bootstrap(): Promise<void> {
  const config = configOrExit();
  exitAfterShutdownTimeout('forgesyte-worker', config.SHUTDOWN_TIMEOUT_S);
  const app = await NestFactory.createApplicationContext(WorkerModule.register(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // SIGTERM/SIGINT hand running jobs back to the queue before the process exits.
  app.enableShutdownHooks();
  await app.init();
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`forgesyte-worker: failed to start: ${errorMessage(error)}\n`);
  process.exit(1);
});
