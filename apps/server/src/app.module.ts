import { resolve } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { APP_CONFIG, type AppConfig } from './config/config';
import { coreModules } from './core.modules';
import { JobsModule } from './jobs/jobs.module';
import { PipelineModule } from './pipeline/pipeline.module';
import { StreamingModule } from './streaming/streaming.module';

@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...coreModules(config),
        PipelineModule,
        StreamingModule,
        JobsModule,
        // The dashboard uses hash routes, so only "/" needs index.html and no API path is shadowed.
        ServeStaticModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => [{ rootPath: resolve(c.DASHBOARD_DIR), renderPath: '/' }],
        }),
      ],
    };
  }
}
