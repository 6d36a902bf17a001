import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from './config/config';
import { coreModules } from './core.modules';
import { JobsCoreModule } from './jobs/jobs-core.module';

/** The worker-only process: database, pipelines and job workers, no HTTP listener. */
@Module({})
export class WorkerModule {
  static register(config: AppConfig): DynamicModule {
    return { module: WorkerModule, imports: [...coreModules(config), JobsCoreModule] };
  }
}
