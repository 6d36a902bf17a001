import { Module } from '@nestjs/common';
import { PipelineModule } from '../pipeline/pipeline.module';
import { StreamingGateway } from './streaming.gateway';
import { streamingMetricProviders, StreamingMetrics } from './streaming.metrics';
import { StreamingService } from './streaming.service';

/** The live WebSocket stream: sessions, frame validation, backpressure. See docs/API.md. */
@Module({
  imports: [PipelineModule],
  providers: [...streamingMetricProviders, StreamingMetrics, StreamingService, StreamingGateway],
  exports: [StreamingService],
})
export class StreamingModule {}
