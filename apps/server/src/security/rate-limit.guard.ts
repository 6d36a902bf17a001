import { HttpStatus, Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Response } from 'express';
import { ApiError } from '../common/http-error';
import { routeAccess } from './access.guard';

/**
 * @nestjs/throttler per client address (Express's `req.ip`, which follows TRUST_PROXY), with the
 * contract's answer: 429 `{"error":"rate_limited",...}` and `Retry-After` in seconds. Probes
 * and /metrics are never limited.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const level = routeAccess(this.reflector, context);
    return level === 'open' || level === 'metrics' || (await super.shouldSkip(context));
  }

  protected override throwThrottlingException(context: ExecutionContext, limit: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(limit.timeToBlockExpire));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfter));
    const what = limit.key.includes('submissions') ? 'job submissions' : 'requests';
    throw new ApiError(
      HttpStatus.TOO_MANY_REQUESTS,
      'rate_limited',
      `Too many ${what} from this client: at most ${limit.limit} per ${limit.ttl / 1000} s; retry in ${retryAfter} s`,
    );
  }
}
