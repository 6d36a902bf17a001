import type { IncomingMessage } from 'node:http';
import { KeyRing } from './key-ring';
import { clientAddressOf, compileTrust, isLoopback } from './client-address';
import { pathMatches } from './guarded-ws-adapter';
import { withoutApiKey } from './log-redaction';

function request(peer: string, forwardedFor?: string): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    connection: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  } as unknown as IncomingMessage;
}

describe('KeyRing', () => {
  const ring = new KeyRing(['alpha-key', 'beta-key']);
  it('matches any configured key exactly', () => {
    expect(ring.matches('alpha-key')).toBe(true);
    expect(ring.matches('beta-key')).toBe(true);
    expect(ring.matches('alpha-ke')).toBe(false);
    expect(ring.matches('alpha-key ')).toBe(false);
    expect(ring.matches('')).toBe(false);
    expect(ring.matches(undefined)).toBe(false);
    expect(new KeyRing([]).matches('alpha-key')).toBe(false);
  });
});

describe('withoutApiKey', () => {
  it.each([
    ['/video/jobs/1/video?api_key=s3cret', '/video/jobs/1/video?api_key=[Redacted]'],
    ['/ws?pipeline_id=yolo&api_key=s3cret&x=1', '/ws?pipeline_id=yolo&api_key=[Redacted]&x=1'],
    ['/x?API_KEY=s3cret', '/x?api_key=[Redacted]'],
    ['/x?api%5Fkey=s3cret', '/x?api_key=[Redacted]'],
    ['/x?%61pi_key=s3cret', '/x?api_key=[Redacted]'],
    ['/x?api_key', '/x?api_key=[Redacted]'],
    ['/x?not_api_key=1', '/x?not_api_key=1'],
    ['/pipelines', '/pipelines'],
  ])('%s -> %s', (url, logged) => {
    expect(withoutApiKey(url)).toBe(logged);
  });
});

describe('client address (TRUST_PROXY)', () => {
  it('ignores X-Forwarded-For unless the peer is trusted', () => {
    expect(clientAddressOf(request('127.0.0.1', '203.0.113.7'), compileTrust(false))).toBe('127.0.0.1');
    expect(clientAddressOf(request('127.0.0.1', '203.0.113.7'), compileTrust(['loopback']))).toBe('203.0.113.7');
    expect(clientAddressOf(request('198.51.100.1', '203.0.113.7'), compileTrust(['loopback']))).toBe('198.51.100.1');
  });

  it('walks back through trusted hops only', () => {
    const chain = request('10.0.0.2', '203.0.113.7, 10.0.0.9');
    expect(clientAddressOf(chain, compileTrust(1))).toBe('10.0.0.9');
    expect(clientAddressOf(chain, compileTrust(2))).toBe('203.0.113.7');
    expect(clientAddressOf(chain, compileTrust(['10.0.0.0/8']))).toBe('203.0.113.7');
    expect(clientAddressOf(chain, compileTrust(true))).toBe('203.0.113.7');
  });

  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a)).toBe(true);
    for (const a of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1']) expect(isLoopback(a)).toBe(false);
  });
});

describe('pathMatches', () => {
  it('matches exact paths and :name segments', () => {
    expect(pathMatches('/ws/video/stream', '/ws/video/stream')).toBe(true);
    expect(pathMatches('/ws/video/stream', '/ws/video/stream/')).toBe(false);
    expect(pathMatches('/ws/cameras/:id', '/ws/cameras/cam-1')).toBe(true);
    expect(pathMatches('/ws/cameras/:id', '/ws/cameras/')).toBe(false);
    expect(pathMatches('/ws/cameras/:id', '/ws/cameras/a/b')).toBe(false);
  });
});
