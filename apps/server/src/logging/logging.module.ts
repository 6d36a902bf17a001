import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { REDACTED_REQUEST_PATHS, withoutApiKey } from '../security/log-redaction';
import { beforeFirst } from '../common/text';

const REQUEST_ID_HEADER = 'x-request-id';
const QUIET_PATHS = new Set(['/health/live', '/metrics']);

/** Accepts a caller's request id when it looks like one, so ids can be traced across services. */
function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const id = typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.LOG_LEVEL,
          genReqId: requestIdFor,
          // On the request line and on every log written while handling that request.
          customProps: (req: IncomingMessage) => ({ request_id: (req as IncomingMessage & { id?: unknown }).id }),
          autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.has(beforeFirst(req.url ?? '', '?')) },
          redact: REDACTED_REQUEST_PATHS,
          serializers: {
            // Receives pino's serialised request (url, query, headers, ...); keys never reach a log.
            req: (req: { url?: unknown }) => {
              if (typeof req.url === 'string') req.url = withoutApiKey(req.url);
              return req;
            },
          },
          transport:
            config.LOG_FORMAT === 'pretty'
              ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } }
              : undefined,
        },
      }),
    }),
  ],
})
export class LoggingModule {}
