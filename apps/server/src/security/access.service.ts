import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpStatus, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ErrorBody } from '@forgesyte/contracts';
import { InjectConfig, type AppConfig } from '../config/config';
import { KeyRing, loadApiKeys } from './key-ring';
import { clientAddressOf, clientSchemeOf, compileTrust, isLoopback, type TrustFn } from './client-address';

/** What the access rules say about a WebSocket upgrade, before it completes. */
export type UpgradeVerdict =
  { ok: true; client: string } | { ok: false; status: HttpStatus.UNAUTHORIZED | HttpStatus.FORBIDDEN; body: ErrorBody };

const MISSING_KEY = 'An API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"';
const MISSING_KEY_QUERY = 'An API key is required: send "Authorization: Bearer <key>" or add ?api_key=<key>';
const WRONG_KEY = 'The API key is not valid';

/**
 * The access rules of the whole server in one place: API keys (REST and WebSocket), the Origin
 * check on upgrades, who the client is (TRUST_PROXY) and how many live sessions it holds.
 * REST applies them through AccessGuard, WebSocket upgrades through acceptUpgrade().
 */
@Injectable()
export class AccessService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Access');
  private readonly keys: KeyRing;
  private readonly trust: TrustFn;
  private readonly allowedOrigins: ReadonlySet<string>;
  private readonly sessionsByClient = new Map<string, number>();

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.keys = new KeyRing(loadApiKeys(config));
    this.trust = compileTrust(config.TRUST_PROXY);
    this.allowedOrigins = new Set(config.ALLOWED_ORIGINS);
  }

  get keysRequired(): boolean {
    return this.keys.size > 0;
  }

  get metricsRequireKey(): boolean {
    return this.config.METRICS_REQUIRE_KEY;
  }

  /**
   * null when the request may proceed, else the 401 body. `allowQuery`: `?api_key=` counts too
   * (WebSocket upgrades and media URLs, where a browser cannot set headers).
   */
  checkKey(req: IncomingMessage, allowQuery: boolean): ErrorBody | null {
    if (!this.keysRequired) return null;
    const candidates = presentedKeys(req, allowQuery);
    if (candidates.length === 0) {
      return { error: 'unauthorized', detail: allowQuery ? MISSING_KEY_QUERY : MISSING_KEY };
    }
    let valid = false;
    for (const candidate of candidates) valid = this.keys.matches(candidate) || valid;
    return valid ? null : { error: 'unauthorized', detail: WRONG_KEY };
  }

  /**
   * A browser's upgrade must come from this server's own origin (scheme + the request's Host) or
   * one of ALLOWED_ORIGINS; without an Origin header (not a browser) only the key counts.
   */
  checkOrigin(req: IncomingMessage): ErrorBody | null {
    const origin = req.headers.origin;
    if (origin === undefined) return null;
    const normalised = normaliseOrigin(origin);
    const own = normaliseOrigin(`${clientSchemeOf(req, this.trust)}://${req.headers.host ?? ''}`);
    if (normalised !== null && (normalised === own || this.allowedOrigins.has(normalised))) return null;
    return {
      error: 'forbidden_origin',
      detail: `Origin ${origin.slice(0, 200)} is not allowed; list it in ALLOWED_ORIGINS`,
    };
  }

  /** Judges an upgrade request: key (header or `?api_key=`), then Origin. */
  judgeUpgrade(req: IncomingMessage): UpgradeVerdict {
    const client = this.clientAddress(req);
    const keyProblem = this.checkKey(req, true);
    if (keyProblem) return { ok: false, status: HttpStatus.UNAUTHORIZED, body: keyProblem };
    const originProblem = this.checkOrigin(req);
    if (originProblem) return { ok: false, status: HttpStatus.FORBIDDEN, body: originProblem };
    return { ok: true, client };
  }

  clientAddress(req: IncomingMessage): string {
    return clientAddressOf(req, this.trust);
  }

  /**
   * Counts one live session for the client, across every WebSocket path. Returns the function that
   * ends it, or null when the client already holds STREAM_MAX_SESSIONS_PER_CLIENT.
   */
  openSession(client: string): (() => void) | null {
    const held = this.sessionsByClient.get(client) ?? 0;
    if (held >= this.config.STREAM_MAX_SESSIONS_PER_CLIENT) return null;
    this.sessionsByClient.set(client, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.sessionsByClient.get(client) ?? 1) - 1;
      if (left <= 0) this.sessionsByClient.delete(client);
      else this.sessionsByClient.set(client, left);
    };
  }

  get maxSessionsPerClient(): number {
    return this.config.STREAM_MAX_SESSIONS_PER_CLIENT;
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    server?.once('listening', () => this.reportExposure(server.address()));
  }

  /** An open API is allowed (the quick start has no keys) but never silent off this machine. */
  private reportExposure(address: AddressInfo | string | null): void {
    if (this.keysRequired) {
      this.logger.log({ event: 'api_keys_loaded', keys: this.keys.size });
      return;
    }
    if (address === null || typeof address === 'string' || isLoopback(address.address)) return;
    this.logger.warn({
      event: 'api_open',
      address: address.address,
      port: address.port,
      detail:
        'No API key is configured (API_KEYS, API_KEYS_FILE) and the server listens beyond this machine: ' +
        'anyone who can reach the port can stream, upload, read and delete jobs. See docs/SECURITY.md.',
    });
  }
}

/** Every key the request presents: Bearer token, X-API-Key, and `?api_key=` when allowed. */
function presentedKeys(req: IncomingMessage, allowQuery: boolean): string[] {
  const keys: string[] = [];
  const authorization = req.headers.authorization;
  const bearer = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  const token = bearer?.[1];
  if (token !== undefined) keys.push(token);
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') keys.push(header.trim());
  if (allowQuery) {
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('api_key');
    if (query !== null && query !== '') keys.push(query);
  }
  return keys;
}

function normaliseOrigin(value: string): string | null {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}
