import { Module } from '@nestjs/common';
import { ModelLoader } from './model-loader';
import { PipelineController } from './pipeline.controller';
import { PipelineMetrics, pipelineMetricProviders } from './pipeline.metrics';
import { PipelineService } from './pipeline.service';
import { HostLoad } from './host-load';

/** Models, pipelines and the shared inference scheduler; streaming and jobs import it. */
@Module({
  controllers: [PipelineController],
  providers: [
    PipelineService,
    ModelLoader,
    PipelineMetrics,
    { provide: HostLoad, useFactory: () => new HostLoad() },
    ...pipelineMetricProviders,
  ],
  exports: [PipelineService],
})
export class PipelineModule {}
