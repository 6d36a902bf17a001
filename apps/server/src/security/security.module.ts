import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { SUBMISSION_METADATA } from './access.decorators';
import { AccessGuard } from './access.guard';
import { AccessService } from './access.service';
import { RateLimitGuard } from './rate-limit.guard';

/**
 * Who may call the server and how often: API keys, origins, per-client rate limits (REST through
 * the two global guards, WebSocket upgrades through acceptUpgrade). See docs/SECURITY.md.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        // One budget per client across all routes (the library's default key is per route).
        generateKey: (_context, tracker, throttler) => `${throttler}:${tracker}`,
        throttlers: [
          { name: 'default', ttl: config.RATE_LIMIT_WINDOW_S * 1000, limit: config.RATE_LIMIT_REQUESTS },
          {
            name: 'submissions',
            ttl: config.RATE_LIMIT_WINDOW_S * 1000,
            limit: config.RATE_LIMIT_SUBMISSIONS,
            skipIf: (context) => Reflect.getMetadata(SUBMISSION_METADATA, context.getHandler()) !== true,
          },
        ],
      }),
    }),
  ],
  providers: [
    AccessService,
    // Rate limits first: a client guessing keys is slowed down like any other.
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [AccessService],
})
export class SecurityModule {}
