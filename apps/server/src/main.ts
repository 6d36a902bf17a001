import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { errorMessage } from './common/error-message';
import { loadConfigOrExit } from './config/config';
import { exitAfterShutdownTimeout } from './common/shutdown-timeout';
import { PipelineService } from './pipeline/pipeline.service';
import { AccessService } from './security/access.service';
import { serverReadyEvent } from './server-ready';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit('forgesyte');
  exitAfterShutdownTimeout('forgesyte', config.SHUTDOWN_TIMEOUT_S);
  const app = await createApp(config);
  await app.listen(config.PORT, config.HOST);
  const url = await app.getUrl();
  const pipelines = app.get(PipelineService);
  // Once, when the models are in: a failed load logs models_load_failed instead.
  pipelines.whenLoaded().then(
    () =>
      new Logger('ForgeSyte').log(
        serverReadyEvent(
          config,
          url,
          pipelines.list().map((p) => p.id),
          app.get(AccessService).keysRequired ? 'on' : 'off',
        ),
      ),
    () => undefined,
  );
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`forgesyte: failed to start: ${errorMessage(error)}\n`);
  process.exit(1);
});
