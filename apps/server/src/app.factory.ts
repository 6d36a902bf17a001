import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { BUILD_INFO } from './build-info';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { applyHttpTimeouts } from './common/http-timeouts';
import type { AppConfig } from './config/config';
import { AppModule } from './app.module';
import { AccessService } from './security/access.service';
import { GuardedWsAdapter } from './security/guarded-ws-adapter';

/** Builds the HTTP + WebSocket application; main.ts and the end-to-end tests share it. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  // The streaming gateway reads raw messages itself (binary JPEG frames) and has no
  // `{ event, data }` routes, so the adapter parses nothing: no frame goes through JSON.parse.
  // Every upgrade passes the access rules (key, Origin, sessions per client) before any gateway sees it.
  app.useWebSocketAdapter(new GuardedWsAdapter(app, app.get(AccessService), { messageParser: () => undefined }));
  app.useGlobalFilters(new HttpExceptionFilter());
  app.disable('x-powered-by');
  // req.ip (rate limits, logs) follows X-Forwarded-For only through the proxies TRUST_PROXY names.
  app.set('trust proxy', config.TRUST_PROXY);
  if (config.ALLOWED_ORIGINS.length > 0) {
    app.enableCors({
      origin: config.ALLOWED_ORIGINS,
      allowedHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'X-Request-Id'],
      exposedHeaders: ['Retry-After', 'X-Request-Id', 'Deprecation', 'Link', 'X-Frame-Index', 'X-Timestamp-Ms'],
    });
  }
  app.enableShutdownHooks();
  applyHttpTimeouts(app.getHttpServer(), config.HTTP_HEADERS_TIMEOUT_S);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('ForgeSyte')
      .setDescription(
        'Vision inference service: pipelines, video jobs, health. The live stream is a WebSocket, see docs/API.md.',
      )
      .setVersion(BUILD_INFO.version)
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  return app;
}
