import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import type { Response } from 'express';
import { DatabaseService } from '../database/database.service';
import { ReadinessService } from './readiness.service';
import { OpenAccess } from '../security/access.decorators';
import { errorMessage } from '../common/error-message';

@ApiTags('health')
@Controller('health')
// Probes carry no key and must never be rate limited.
@OpenAccess()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly database: DatabaseService,
    private readonly readiness: ReadinessService,
  ) {}

  /** The process is up and its event loop answers. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get()
  @HealthCheck()
  overall(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    return this.ready(res);
  }

  /** Ready to serve: database reachable and every registered check (models, ...) passing. */
  @Get('ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult> {
    const checks: HealthIndicatorFunction[] = [
      () => this.named('database', () => this.database.problem()),
      ...this.readiness.entries().map(
        ([name, check]) =>
          () =>
            this.named(name, check),
      ),
    ];
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        res.status(503);
        return error.getResponse() as HealthCheckResult;
      }
      throw error;
    }
  }

  private async named(name: string, check: () => Promise<string | null> | string | null) {
    const session = this.indicator.check(name);
    let problem: string | null;
    try {
      problem = await check();
    } catch (error) {
      problem = errorMessage(error);
    }
    return problem === null ? session.up() : session.down({ message: problem });
  }
}
