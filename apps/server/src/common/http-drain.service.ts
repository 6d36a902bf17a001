import type { Server } from 'node:http';
import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * First step of a graceful shutdown: the HTTP server stops accepting connections (and drops idle keep-alive ones)
 * while requests in progress, live frames and job frames finish. Nest closes the server for good later, after the
 * other shutdown hooks.
 */
@Injectable()
export class HttpDrainService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Http');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  beforeApplicationShutdown(signal?: string): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server?.listening) return;
    server.close();
    server.closeIdleConnections();
    this.logger.log({ event: 'http_draining', signal: signal ?? null });
  }
}
