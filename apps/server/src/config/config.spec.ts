import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 8000,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      DATA_DIR: 'var/data',
      MODELS_DIR: 'var/models',
      STREAM_MAX_FRAME_SIZE_MB: 5,
      STREAM_DROP_THRESHOLD: 0.1,
      STREAM_SLOWDOWN_THRESHOLD: 0.3,
      STREAM_MAX_SESSIONS: 10,
      STREAM_IDLE_TIMEOUT_S: 30,
      STREAM_SESSION_TIMEOUT_S: 600,
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.ORT_INTRA_OP_THREADS).toBeGreaterThanOrEqual(1);
  });

  it('parses numbers and treats blank values as unset', () => {
    const config = loadConfig({ PORT: '9001', STREAM_DROP_THRESHOLD: '0.2', LOG_LEVEL: '  ', DATABASE_URL: '' });
    expect(config.PORT).toBe(9001);
    expect(config.STREAM_DROP_THRESHOLD).toBe(0.2);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('accepts a PostgreSQL URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db:5432/x' }).DATABASE_URL).toBe('postgres://u@db:5432/x');
  });

  it.each([
    ['PORT', '-1', 'PORT=-1 must be between 0 and 65535'],
    ['PORT', 'eighty', 'PORT=eighty must be a number'],
    ['PORT', '80.5', 'PORT=80.5 must be a whole number'],
    ['STREAM_DROP_THRESHOLD', 'abc', 'STREAM_DROP_THRESHOLD=abc must be a number'],
    ['STREAM_SLOWDOWN_THRESHOLD', '1.5', 'STREAM_SLOWDOWN_THRESHOLD=1.5 must be between 0 and 1'],
    ['STREAM_MAX_SESSIONS', '0', 'STREAM_MAX_SESSIONS=0 must be between 1 and 10000'],
    ['STREAM_IDLE_TIMEOUT_S', '0', 'STREAM_IDLE_TIMEOUT_S=0 must be greater than 0'],
    ['LOG_FORMAT', 'xml', 'LOG_FORMAT=xml'],
    ['DATABASE_URL', 'mysql://x', 'DATABASE_URL=mysql://x must be a postgres:// or postgresql:// URL'],
  ])('rejects %s=%s with a message naming the variable', (name, value, message) => {
    let caught: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toHaveLength(1);
    expect((caught as ConfigError).problems[0]).toContain(message);
  });

  it('reports every bad variable at once', () => {
    expect(() => loadConfig({ PORT: '-1', STREAM_DROP_THRESHOLD: 'abc' })).toThrow(
      /PORT=-1 .*; STREAM_DROP_THRESHOLD=abc/,
    );
  });

  it('rejects a drop threshold above the slow-down threshold', () => {
    expect(() => loadConfig({ STREAM_DROP_THRESHOLD: '0.5', STREAM_SLOWDOWN_THRESHOLD: '0.3' })).toThrow(
      'STREAM_DROP_THRESHOLD=0.5 must not exceed STREAM_SLOWDOWN_THRESHOLD',
    );
  });
});
