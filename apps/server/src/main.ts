import 'reflect-metadata';
import { createApp } from './app.factory';
import { errorMessage } from './common/error-message';
import { loadConfigOrExit } from './config/config';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit('forgesyte');
  const app = await createApp(config);
  await app.listen(config.PORT, config.HOST);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`forgesyte: failed to start: ${errorMessage(error)}\n`);
  process.exit(1);
});
