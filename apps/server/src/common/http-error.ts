import { HttpException, HttpStatus } from '@nestjs/common';
import type { ErrorBody, ErrorCode } from '@forgesyte/contracts';

/** An HTTP error whose body is the contract's `{ error, detail }`. */
export class ApiError extends HttpException {
  constructor(status: HttpStatus, code: ErrorCode, detail: string) {
    super({ error: code, detail } satisfies ErrorBody, status);
  }
}

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: 'bad_request',
  [HttpStatus.UNAUTHORIZED]: 'unauthorized',
  [HttpStatus.FORBIDDEN]: 'forbidden_origin',
  [HttpStatus.NOT_FOUND]: 'not_found',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'payload_too_large',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'unsupported_media_type',
  [HttpStatus.TOO_MANY_REQUESTS]: 'rate_limited',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'service_unavailable',
};

export function codeForStatus(status: number): ErrorCode {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
}
