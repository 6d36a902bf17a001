import type { DynamicModule, Type } from '@nestjs/common';
import type { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';

/**
 * What every ForgeSyte process has, the HTTP server and the worker alike: configuration, logs,
 * metrics, the database and readiness checks (HealthModule provides ReadinessService).
 */
export function coreModules(config: AppConfig): (DynamicModule | Type)[] {
  return [ConfigModule.forRoot(config), LoggingModule, MetricsModule, DatabaseModule, HealthModule];
}
