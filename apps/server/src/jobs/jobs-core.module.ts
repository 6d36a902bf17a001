import { Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { PipelineModule } from '../pipeline/pipeline.module';
import { FINISHED_METRIC, FRAMES_METRIC, JobProcessor } from './job-processor';
import { JobsRepository } from './jobs.repository';
import { JobsService } from './jobs.service';
import { JobsWorker } from './jobs.worker';

/** Everything but HTTP: the worker-only process imports this alone. */
@Module({
  imports: [PipelineModule],
  providers: [
    JobsRepository,
    JobProcessor,
    JobsWorker,
    JobsService,
    makeCounterProvider({ name: FRAMES_METRIC, help: 'Video job frames run through a pipeline and stored.' }),
    makeCounterProvider({ name: FINISHED_METRIC, help: 'Video jobs that ended, by status.', labelNames: ['status'] }),
  ],
  exports: [JobsService],
})
export class JobsCoreModule {}
