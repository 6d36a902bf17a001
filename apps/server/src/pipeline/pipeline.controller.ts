import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type PipelinesResponse } from '@forgesyte/contracts';
import { PipelineService } from './pipeline.service';

@ApiTags('pipelines')
@Controller('pipelines')
export class PipelineController {
  constructor(private readonly pipelines: PipelineService) {}

  /** The pipelines this server loaded: id, description, models, class names, input size. */
  @Get()
  @ApiOkResponse({ description: '{ pipelines: PipelineInfo[] }, in the order of the PIPELINES setting.' })
  list(): PipelinesResponse {
    return { pipelines: this.pipelines.list() };
  }
}
