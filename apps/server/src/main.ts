import 'reflect-metadata';
import { ConfigError, loadConfig, type AppConfig } from './config/config';
import { createApp } from './app.factory';

function configOrExit(): AppConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      // One line per problem, naming the variable and the rule; no stack trace.
      for (const problem of error.problems) process.stderr.write(`forgesyte: invalid configuration: ${problem}\n`);
      process.exit(78);
    }
    throw error;
  }
}

async function bootstrap(): Promise<void> {
  const config = configOrExit();
  const app = await createApp(config);
  await app.listen(config.PORT, config.HOST);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`forgesyte: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
