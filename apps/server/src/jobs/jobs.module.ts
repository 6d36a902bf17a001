import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { diskStorage } from 'multer';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { JobsCoreModule } from './jobs-core.module';
import { JobsController } from './jobs.controller';
import { uploadsDir } from './jobs.service';

/** Video jobs over HTTP; uploads stream to DATA_DIR/uploads under the future job id. */
@Module({
  imports: [
    JobsCoreModule,
    MulterModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const destination = uploadsDir(config);
        mkdirSync(destination, { recursive: true });
        return {
          storage: diskStorage({ destination, filename: (_req, _file, done) => done(null, randomUUID()) }),
          // Exceeding fileSize aborts the stream (413) and multer removes the partial file.
          limits: { fileSize: Math.floor(config.UPLOAD_MAX_MB * 1024 * 1024), files: 1, fields: 10, parts: 12 },
        };
      },
    }),
  ],
  controllers: [JobsController],
})
export class JobsModule {}
