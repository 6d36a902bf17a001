import { HttpStatus, Injectable, type CallHandler, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { ApiError } from '../common/http-error';
import { DatabaseService } from './database.service';

/**
 * Routes that need the database answer 503 `service_unavailable` at once while it is down,
 * instead of hanging until it returns. On a controller it runs before method interceptors, so an
 * upload is refused before a byte of it is read.
 */
@Injectable()
export class DatabaseReadyInterceptor implements NestInterceptor {
  constructor(private readonly database: DatabaseService) {}

  intercept(_context: unknown, next: CallHandler): Observable<unknown> {
    if (!this.database.isReady) {
      throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'service_unavailable', 'The database is not reachable yet');
    }
    return next.handle();
  }
}
