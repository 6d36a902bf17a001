import { resolve } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { CamerasModule } from './cameras/cameras.module';
import { HttpDrainService } from './common/http-drain.service';
import { APP_CONFIG, type AppConfig } from './config/config';
import { coreModules } from './core.modules';
import { JobsModule } from './jobs/jobs.module';
import { PipelineModule } from './pipeline/pipeline.module';
import { SecurityModule } from './security/security.module';
import { StreamingModule } from './streaming/streaming.module';

@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...coreModules(config),
        SecurityModule,
        PipelineModule,
        StreamingModule,
        JobsModule,
        CamerasModule,
        // The dashboard uses hash routes, so only "/" needs index.html and no API path is shadowed.
        ServeStaticModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => [{ rootPath: resolve(c.DASHBOARD_DIR), renderPath: '/' }],
        }),
      ],
      providers: [HttpDrainService],
    };
  }
}
