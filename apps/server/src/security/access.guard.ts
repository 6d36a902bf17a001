import { Injectable, type CanActivate, type ExecutionContext, HttpStatus } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiError } from '../common/http-error';
import { ACCESS_METADATA, type RouteAccess } from './access.decorators';
import { AccessService } from './access.service';

/** The access level a route declared (see access.decorators.ts); `key` when it declared none. */
export function routeAccess(reflector: Reflector, context: ExecutionContext): RouteAccess {
  return (
    reflector.getAllAndOverride<RouteAccess | undefined>(ACCESS_METADATA, [context.getHandler(), context.getClass()]) ??
    'key'
  );
}

/**
 * API keys for every REST route (when any key is configured). Static files (the dashboard) are
 * served before Nest's router and never reach a guard.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly access: AccessService,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || !this.access.keysRequired) return true;
    const level = routeAccess(this.reflector, context);
    if (level === 'open' || (level === 'metrics' && !this.access.metricsRequireKey)) return true;
    const problem = this.access.checkKey(context.switchToHttp().getRequest<Request>(), level === 'media');
    if (problem === null) return true;
    const res = context.switchToHttp().getResponse<{ setHeader(name: string, value: string): void }>();
    res.setHeader('WWW-Authenticate', 'Bearer');
    throw new ApiError(HttpStatus.UNAUTHORIZED, problem.error, problem.detail);
  }
}
