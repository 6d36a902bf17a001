/** How a source attempt ended, read from ffmpeg's stderr. */
export interface SourceFailure {
  /** `failed`: a person must fix something (credentials, path, host); `reconnecting`: transient. */
  kind: 'failed' | 'reconnecting';
  /** Short, safe for logs and the API: never the URL. */
  reason: string;
}

const RULES: { test: RegExp; kind: SourceFailure['kind']; reason: string }[] = [
  {
    test: /401 Unauthorized|authorization failed|(?:returned|failed:) 401\b/i,
    kind: 'failed',
    reason: '401 Unauthorized',
  },
  { test: /403 Forbidden|(?:returned|failed:) 403\b/i, kind: 'failed', reason: '403 Forbidden' },
  { test: /404 Not Found|(?:returned|failed:) 404\b|Stream not found/i, kind: 'failed', reason: '404 Not Found' },
  {
    test: /Name or service not known|nodename nor servname|Temporary failure in name resolution|unknown host/i,
    kind: 'failed',
    reason: 'unknown host',
  },
  { test: /Protocol not found|not on whitelist/i, kind: 'failed', reason: 'protocol not allowed' },
  { test: /No such file or directory/i, kind: 'failed', reason: 'no such file' },
  { test: /Connection refused/i, kind: 'reconnecting', reason: 'Connection refused' },
  { test: /Connection timed out|Operation timed out|ETIMEDOUT/i, kind: 'reconnecting', reason: 'connection timed out' },
  { test: /Connection reset|Broken pipe|End of file/i, kind: 'reconnecting', reason: 'connection lost' },
  { test: /No route to host|Network is unreachable/i, kind: 'reconnecting', reason: 'host unreachable' },
  { test: /Invalid data found|could not find codec|Unsupported codec/i, kind: 'failed', reason: 'not a video stream' },
];

/**
 * Turns ffmpeg's stderr into a short `last_error`. Unknown endings count as transient: a camera
 * is never given up while it is enabled, and `failed` only tells a person to look.
 */
export function parseSourceError(stderr: string, exitCode: number | null): SourceFailure {
  for (const rule of RULES) if (rule.test.test(stderr)) return { kind: rule.kind, reason: rule.reason };
  if (exitCode === 0) return { kind: 'reconnecting', reason: 'the stream ended' };
  return { kind: 'reconnecting', reason: exitCode === null ? 'ffmpeg was stopped' : `ffmpeg exited with ${exitCode}` };
}

/**
 * Exponential backoff with jitter: attempt 0 waits about `baseMs`, each next one twice as long,
 * capped at `maxMs`; the wait is drawn from [half, all] of that, so cameras that failed together
 * do not retry together. `failed` sources wait the cap.
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * (0.5 + random() * 0.5));
}
