import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';

/** When the unversioned /video routes arrived (RFC 9745 wants a date). */
const DEPRECATED_SINCE = Date.UTC(2025, 0, 1) / 1000;

/**
 * /v1/video/* keeps working but announces its successor (RFC 9745 `Deprecation`, RFC 8288 `Link`).
 * Set before the handler runs, so error responses carry it too.
 */
@Injectable()
export class DeprecationInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    if (req.path.startsWith('/v1/')) {
      const res = http.getResponse<Response>();
      res.setHeader('Deprecation', `@${DEPRECATED_SINCE}`);
      res.setHeader('Link', `<${req.path.slice(3)}>; rel="successor-version"`);
    }
    return next.handle();
  }
}
