import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { WsAdapter } from '@nestjs/platform-ws';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { BUILD_INFO } from './build-info';
import { HttpExceptionFilter } from './common/http-exception.filter';
import type { AppConfig } from './config/config';
import { AppModule } from './app.module';

/** Builds the HTTP + WebSocket application; main.ts and the end-to-end tests share it. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  // The streaming gateway reads raw messages itself (binary JPEG frames) and has no
  // `{ event, data }` routes, so the adapter parses nothing: no frame goes through JSON.parse.
  app.useWebSocketAdapter(new WsAdapter(app, { messageParser: () => undefined }));
  app.useGlobalFilters(new HttpExceptionFilter());
  app.disable('x-powered-by');
  app.enableShutdownHooks();

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
