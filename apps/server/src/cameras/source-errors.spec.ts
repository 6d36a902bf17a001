import { backoffMs, parseSourceError } from './source-errors';

describe('parseSourceError', () => {
  it.each([
    [
      '[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized\nrtsp://10.0.0.1/x: Server returned 401 Unauthorized (authorization failed)',
      'failed',
      '401 Unauthorized',
    ],
    ['[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found', 'failed', '404 Not Found'],
    ['http://x/y: Server returned 404 Not Found', 'failed', '404 Not Found'],
    ['rtsp://127.0.0.1:1/x: Connection refused', 'reconnecting', 'Connection refused'],
    [
      '[tcp @ 0x] Connection to tcp://10.1.1.1:554 failed: Connection timed out',
      'reconnecting',
      'connection timed out',
    ],
    ['rtsp://a/b: Protocol not found', 'failed', 'protocol not allowed'],
  ])('reads %j', (stderr, kind, reason) => {
    expect(parseSourceError(stderr, 1)).toEqual({ kind, reason });
  });

  it('never repeats the URL (credentials) in the reason', () => {
    const failure = parseSourceError('rtsp://admin:secret@10.0.0.1/x: something odd happened', 1);
    expect(failure).toEqual({ kind: 'reconnecting', reason: 'ffmpeg exited with 1' });
    expect(failure.reason).not.toContain('secret');
  });

  it('calls a clean end of the stream transient', () => {
    expect(parseSourceError('', 0)).toEqual({ kind: 'reconnecting', reason: 'the stream ended' });
  });
});

describe('backoffMs', () => {
  it('doubles per attempt, stays within [half, all] of the step, and caps', () => {
    expect(backoffMs(0, 1000, 30000, () => 1)).toBe(1000);
    expect(backoffMs(0, 1000, 30000, () => 0)).toBe(500);
    expect(backoffMs(3, 1000, 30000, () => 1)).toBe(8000);
    expect(backoffMs(10, 1000, 30000, () => 1)).toBe(30000);
    expect(backoffMs(10, 1000, 30000, () => 0)).toBe(15000);
    expect(backoffMs(1000, 1000, 30000, () => 0.5)).toBe(22500);
  });
});
