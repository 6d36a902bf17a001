import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Schemes of sources ffmpeg opens over the network. */
export const NETWORK_SCHEMES = ['rtsp', 'rtsps', 'rtmp', 'rtmps', 'http', 'https', 'srt', 'udp', 'tcp', 'rtp'] as const;

/** ffmpeg may follow only these protocols from a network source (an HLS playlist must not open file:). */
export const NETWORK_PROTOCOL_WHITELIST = 'rtsp,rtsps,rtmp,rtmps,rtp,srtp,srt,udp,tcp,tls,http,https,httpproxy,crypto';

export interface UrlParts {
  scheme: string;
  /** `user:password`, `user`, or null. */
  userinfo: string | null;
  /** Host name or IP, without IPv6 brackets. */
  host: string;
  /** `:554` or ''. */
  port: string;
  /** Path, query and fragment as given. */
  rest: string;
}

const AUTHORITY = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(?:([^@/?#]*)@)?(\[[^\]]*\]|[^:/?#]*)(:\d*)?(.*)$/s;

/** The parts of `scheme://[userinfo@]host[:port]/rest`, or null for anything else (a path, `file:x`). */
export function splitUrl(raw: string): UrlParts | null {
  const m = AUTHORITY.exec(raw);
  if (!m) return null;
  const host = (m[3] ?? '').replace(/^\[(.*)\]$/, '$1');
  return { scheme: (m[1] ?? '').toLowerCase(), userinfo: m[2] ?? null, host, port: m[4] ?? '', rest: m[5] ?? '' };
}

function joinUrl(parts: UrlParts, host = parts.host, userinfo = parts.userinfo): string {
  const shownHost = isIP(host) === 6 ? `[${host}]` : host;
  return `${parts.scheme}://${userinfo === null ? '' : `${userinfo}@`}${shownHost}${parts.port}${parts.rest}`;
}

/** The URL with its password (or a lone user name, often a token) replaced by `***`. */
export function maskUrl(raw: string): string {
  const parts = splitUrl(raw);
  if (!parts || parts.userinfo === null) return raw;
  const colon = parts.userinfo.indexOf(':');
  return joinUrl(parts, parts.host, colon >= 0 ? `${parts.userinfo.slice(0, colon)}:***` : '***');
}

/** What a PATCH stores: the masked URL sent back means "keep the stored one, credentials included". */
export function mergeUrl(stored: string, given: string): string {
  return given === maskUrl(stored) ? stored : given;
}

function isLocal(raw: string): boolean {
  return raw.startsWith('/') || raw.startsWith('./') || /^file:/i.test(raw);
}

/**
 * CAMERAS_ALLOW_FILES and CAMERAS_URL_ALLOW: which URLs a camera may have. A camera URL makes
 * the server connect wherever the key holder says; the allow list narrows that to hosts or
 * CIDR ranges (checked again on the resolved address at each connect).
 */
export class CameraUrlPolicy {
  private readonly hosts = new Set<string>();
  private readonly ranges = new BlockList();
  private readonly restricted: boolean;

  constructor(
    readonly allowFiles: boolean,
    allow: string[],
  ) {
    this.restricted = allow.length > 0;
    for (const entry of allow) {
      const [address = '', bits] = entry.split('/');
      const family = isIP(address);
      if (family !== 0 && bits !== undefined) {
        this.ranges.addSubnet(address, Number(bits), family === 6 ? 'ipv6' : 'ipv4');
      } else if (family !== 0) {
        this.ranges.addAddress(address, family === 6 ? 'ipv6' : 'ipv4');
      } else {
        this.hosts.add(entry.toLowerCase());
      }
    }
  }

  /** The rule the URL breaks, as a sentence for `validation_failed`, or null. Syntax only: no DNS. */
  syntaxProblem(raw: string): string | null {
    if (raw.trim() !== raw || raw === '') return 'url must be a non-empty URL without surrounding spaces';
    if (isLocal(raw)) {
      return this.allowFiles ? null : 'url: local files are refused (CAMERAS_ALLOW_FILES=1 allows them)';
    }
    const parts = splitUrl(raw);
    if (!parts || !(NETWORK_SCHEMES as readonly string[]).includes(parts.scheme)) {
      return `url must be a network source (${NETWORK_SCHEMES.join(', ')}://host/...)`;
    }
    if (parts.host === '') return 'url has no host';
    return null;
  }

  /** Whether the host (a name, or the address it resolved to) passes CAMERAS_URL_ALLOW. */
  allows(host: string, address: string | null): boolean {
    if (!this.restricted || this.hosts.has(host.toLowerCase())) return true;
    const candidate = address ?? (isIP(host) !== 0 ? host : null);
    if (candidate === null) return false;
    return this.ranges.check(candidate, isIP(candidate) === 6 ? 'ipv6' : 'ipv4');
  }

  /** Every rule, DNS included when the allow list has ranges; null when the URL may be stored. */
  async problem(raw: string): Promise<string | null> {
    const syntax = this.syntaxProblem(raw);
    if (syntax !== null || isLocal(raw)) return syntax;
    const parts = splitUrl(raw)!;
    if (!this.restricted || this.allows(parts.host, null)) return null;
    const address = await resolveHost(parts.host).catch(() => null);
    return address !== null && this.allows(parts.host, address)
      ? null
      : `url: host ${parts.host} is not in CAMERAS_URL_ALLOW`;
  }
}

export class UnknownHostError extends Error {
  constructor(host: string) {
    super(`unknown host ${host}`);
    this.name = 'UnknownHostError';
  }
}

async function resolveHost(host: string): Promise<string> {
  if (isIP(host) !== 0) return host;
  try {
    return (await lookup(host)).address;
  } catch {
    throw new UnknownHostError(host);
  }
}

/** What ffmpeg gets: the URL with the host resolved here, plus the options that keep its meaning. */
export interface ResolvedSource {
  url: string;
  /** The input options for this source (transport, Host header, protocol whitelist). */
  inputArgs: string[];
  /** Files are read at their own frame rate and looped (demo and tests). */
  file: boolean;
}

/**
 * Resolves the host in Node: the bundled static ffmpeg cannot resolve names itself (it crashes
 * without glibc's NSS). RTSP takes the address in the URL as it is; HTTP keeps the name in its
 * Host header. Throws UnknownHostError, or PolicyError when the address is not allowed.
 */
export async function resolveSource(raw: string, policy: CameraUrlPolicy): Promise<ResolvedSource> {
  if (isLocal(raw)) {
    if (!policy.allowFiles) throw new PolicyError('local files are refused (CAMERAS_ALLOW_FILES)');
    return { url: raw.replace(/^file:(\/\/)?/i, ''), inputArgs: ['-re', '-stream_loop', '-1'], file: true };
  }
  const parts = splitUrl(raw);
  if (!parts) throw new PolicyError('not a network URL');
  const address = await resolveHost(parts.host);
  if (!policy.allows(parts.host, address)) throw new PolicyError(`host ${parts.host} is not in CAMERAS_URL_ALLOW`);
  const inputArgs = ['-protocol_whitelist', NETWORK_PROTOCOL_WHITELIST];
  const query = parts.rest.includes('?') ? new URLSearchParams(parts.rest.slice(parts.rest.indexOf('?') + 1)) : null;
  if (parts.scheme === 'rtsp' || parts.scheme === 'rtsps') {
    // `?transport=udp` on the camera URL picks UDP; TCP survives NAT and loss better.
    inputArgs.push('-rtsp_transport', query?.get('transport') === 'udp' ? 'udp' : 'tcp');
  }
  if ((parts.scheme === 'http' || parts.scheme === 'https') && address !== parts.host) {
    inputArgs.push('-headers', `Host: ${parts.host}${parts.port}\r\n`);
  }
  return { url: joinUrl(parts, address), inputArgs, file: false };
}

export class PolicyError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'PolicyError';
  }
}
