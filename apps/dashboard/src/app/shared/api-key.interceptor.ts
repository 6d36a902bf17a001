import { HttpErrorResponse, type HttpInterceptorFn, type HttpRequest } from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, from, switchMap, throwError } from 'rxjs';
import { ApiKeyService } from './api-key.service';

/**
 * Sends the session's API key as `Authorization: Bearer`. On a 401 it asks for a key (one dialog
 * for requests that fail together) and retries with it; a key that is refused too is asked for
 * again, until one works or the operator cancels (then the request fails with the 401).
 */
export const apiKeyInterceptor: HttpInterceptorFn = (req, next) => {
  const keys = inject(ApiKeyService);
  const withKey = (key: string | null): HttpRequest<unknown> =>
    key === null ? req : req.clone({ setHeaders: { Authorization: `Bearer ${key}` } });
  const attempt = (key: string | null): ReturnType<typeof next> =>
    next(withKey(key)).pipe(
      catchError((error: unknown) => {
        if (!(error instanceof HttpErrorResponse) || error.status !== 401) return throwError(() => error);
        return from(keys.requestKey(key)).pipe(
          switchMap((entered) => (entered === null ? throwError(() => error) : attempt(entered))),
        );
      }),
    );
  return attempt(keys.key());
};
