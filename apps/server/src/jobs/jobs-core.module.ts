import { Module } from '@nestjs/common';
import { Clock, SystemClock } from '../common/clock';
import { PipelineModule } from '../pipeline/pipeline.module';
import { JobProcessor } from './job-processor';
import { jobsMetricProviders, JobsMetrics } from './jobs.metrics';
import { JobsRepository } from './jobs.repository';
import { JobsService } from './jobs.service';
import { JobsWorker } from './jobs.worker';
import { FfmpegMediaProvider, MediaProvider } from './media.provider';
import { LocalStorageProvider, StorageProvider } from './storage.provider';

/** Everything but HTTP: the worker-only process imports this alone. */
@Module({
  imports: [PipelineModule],
  providers: [
    JobsRepository,
    JobProcessor,
    JobsWorker,
    JobsService,
    ...jobsMetricProviders,
    JobsMetrics,
    { provide: MediaProvider, useClass: FfmpegMediaProvider },
    { provide: StorageProvider, useClass: LocalStorageProvider },
    { provide: Clock, useClass: SystemClock },
  ],
  exports: [JobsService, StorageProvider],
})
export class JobsCoreModule {}
