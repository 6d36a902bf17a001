import { Module } from '@nestjs/common';
import { makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { PipelineController } from './pipeline.controller';
import { PIPELINE_RUNS, PIPELINE_SECONDS, PipelineService } from './pipeline.service';

const runs = makeCounterProvider({
  name: PIPELINE_RUNS,
  help: 'Pipeline runs by pipeline, priority and outcome (ok, saturated, invalid_image, failed).',
  labelNames: ['pipeline', 'priority', 'outcome'],
});

const seconds = makeHistogramProvider({
  name: PIPELINE_SECONDS,
  help: 'Time per pipeline stage (decode, inference, postprocess, total) of successful runs.',
  labelNames: ['pipeline', 'stage'],
  buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
});

/** Models, pipelines and the shared inference scheduler; streaming and jobs import it. */
@Module({
  controllers: [PipelineController],
  providers: [PipelineService, runs, seconds],
  exports: [PipelineService],
})
export class PipelineModule {}
