import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import { isErrorBody, type ErrorBody } from '@forgesyte/contracts';
import type { Response } from 'express';
import { codeForStatus } from './http-error';

/** Every HTTP error leaves as `{ error, detail }`; stack traces stay in the logs. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    const { status, body } = this.toBody(exception);
    if (status >= 500) {
      this.logger.error({ event: 'http_error', status, error: body.error, err: exception });
    }
    res.status(status).json(body);
  }

  private toBody(exception: unknown): { status: number; body: ErrorBody } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (isErrorBody(response)) return { status, body: response };
      return { status, body: { error: codeForStatus(status), detail: detailOf(response, exception) } };
    }
    // body-parser and multer errors carry an HTTP status of their own.
    const status = statusOf(exception);
    if (status && status < 500) {
      return { status, body: { error: codeForStatus(status), detail: (exception as Error).message } };
    }
    if (isConnectionLoss(exception)) {
      // The database went away mid-request (restart, network): a retry will do, it is not a bug.
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        body: { error: 'service_unavailable', detail: 'The database is unreachable; retry in a moment' },
      };
    }
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { error: 'internal_error', detail: 'Internal server error' },
    };
  }
}

function detailOf(response: string | object, exception: HttpException): string {
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  if (typeof message === 'string') return message;
  return exception.message;
}

function statusOf(exception: unknown): number | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const candidate =
    (exception as { status?: unknown; statusCode?: unknown }).status ??
    (exception as { statusCode?: unknown }).statusCode;
  return typeof candidate === 'number' && candidate >= 400 && candidate < 600 ? candidate : undefined;
}

/** Socket errors, and PostgreSQL's connection-exception (08xxx) and admin-shutdown (57P0x) SQLSTATEs. */
const CONNECTION_LOSS = /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|08...|57P0.)$/;

function isConnectionLoss(exception: unknown): boolean {
  if (typeof exception !== 'object' || exception === null) return false;
  const { code, message } = exception as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && CONNECTION_LOSS.test(code)) return true;
  return typeof message === 'string' && /Connection terminated|connection (is )?closed/i.test(message);
}
