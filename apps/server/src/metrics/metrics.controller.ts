import { Controller, Get, Res } from '@nestjs/common';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { Response } from 'express';
import { MetricsAccess } from '../security/access.decorators';

/** The library's /metrics route, marked for the access rules: open unless METRICS_REQUIRE_KEY. */
@Controller()
@MetricsAccess()
export class MetricsController extends PrometheusController {
  @Get()
  override index(@Res({ passthrough: true }) response: Response): Promise<string> {
    return super.index(response);
  }
}
