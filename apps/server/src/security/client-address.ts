import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import { beforeFirst } from '../common/text';

export type TrustProxy = boolean | number | string[];
export type TrustFn = (address: string, hop: number) => boolean;

/**
 * TRUST_PROXY as a proxy-addr trust function, with Express's meaning of each form, so the
 * WebSocket upgrade (a raw request) and Express's `req.ip` (REST, rate limits) agree on who the
 * client is.
 */
export function compileTrust(value: TrustProxy): TrustFn {
  if (value === true) return () => true;
  if (value === false) return () => false;
  if (typeof value === 'number') return (_address, hop) => hop < value;
  return proxyaddr.compile(value);
}

/** The client's address: the socket's peer, or from X-Forwarded-For through trusted proxies. */
export function clientAddressOf(req: IncomingMessage, trust: TrustFn): string {
  return proxyaddr(req, trust);
}

/** The scheme the client used: TLS on this socket, or X-Forwarded-Proto from a trusted proxy. */
export function clientSchemeOf(req: IncomingMessage, trust: TrustFn): 'http' | 'https' {
  if ((req.socket as { encrypted?: boolean }).encrypted) return 'https';
  const forwarded = req.headers['x-forwarded-proto'];
  const peer = req.socket.remoteAddress;
  if (typeof forwarded === 'string' && peer !== undefined && trust(peer, 0)) {
    return beforeFirst(forwarded, ',').trim().toLowerCase() === 'https' ? 'https' : 'http';
  }
  return 'http';
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms: only this machine can reach a server bound there. */
export function isLoopback(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1' || address === 'localhost';
}
