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

  it('reads ORT_ALLOW_SPINNING as auto or a flag, off by default (unlike ONNX Runtime)', () => {
    expect(loadConfig({}).ORT_ALLOW_SPINNING).toBe(false);
    expect(loadConfig({ ORT_ALLOW_SPINNING: 'auto' }).ORT_ALLOW_SPINNING).toBe('auto');
    expect(loadConfig({ ORT_ALLOW_SPINNING: '1' }).ORT_ALLOW_SPINNING).toBe(true);
    expect(loadConfig({ ORT_ALLOW_SPINNING: 'false' }).ORT_ALLOW_SPINNING).toBe(false);
    expect(() => loadConfig({ ORT_ALLOW_SPINNING: 'sometimes' })).toThrow(/ORT_ALLOW_SPINNING/);
  });

  it('parses numbers and treats blank values as unset', () => {
    const config = loadConfig({ PORT: '9001', STREAM_DROP_THRESHOLD: '0.2', LOG_LEVEL: '  ', DATABASE_URL: '' });
    expect(config.PORT).toBe(9001);
    expect(config.STREAM_DROP_THRESHOLD).toBe(0.2);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('reads the camera and Redis settings', () => {
    expect(loadConfig({})).toMatchObject({
      CAMERAS_ENABLED: true,
      CAMERAS_MAX_PER_PROCESS: 8,
      CAMERAS_LEASE_S: 15,
      CAMERAS_BACKOFF_MAX_S: 30,
      CAMERAS_STALL_S: 10,
      CAMERAS_ALLOW_FILES: false,
      CAMERAS_URL_ALLOW: [],
      REDIS_KEY_PREFIX: 'forgesyte:',
    });
    const config = loadConfig({ CAMERAS_URL_ALLOW: 'cam1.lan, 10.20.0.0/16', REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(config.CAMERAS_URL_ALLOW).toEqual(['cam1.lan', '10.20.0.0/16']);
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(
      'REDIS_URL=http://x must be a redis:// or rediss:// URL',
    );
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

  it('parses the access settings, with everything open by default', () => {
    expect(loadConfig({})).toMatchObject({
      API_KEYS: [],
      METRICS_REQUIRE_KEY: false,
      ALLOWED_ORIGINS: [],
      TRUST_PROXY: false,
      STREAM_MAX_SESSIONS_PER_CLIENT: 8,
    });
    const config = loadConfig({
      API_KEYS: ' a1, b2 ,,',
      METRICS_REQUIRE_KEY: 'true',
      ALLOWED_ORIGINS: 'https://Dash.Example.com:443, http://10.0.0.5:4200',
      TRUST_PROXY: 'loopback, 10.0.0.0/8',
    });
    expect(config.API_KEYS).toEqual(['a1', 'b2']);
    expect(config.METRICS_REQUIRE_KEY).toBe(true);
    expect(config.ALLOWED_ORIGINS).toEqual(['https://dash.example.com', 'http://10.0.0.5:4200']);
    expect(config.TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8']);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
  });

  it.each([
    ['ALLOWED_ORIGINS', 'https://ok.example,dash.example.com', 'not an origin'],
    ['ALLOWED_ORIGINS', 'https://dash.example.com/app', 'not an origin'],
    ['TRUST_PROXY', 'my-proxy', 'must be false, true, a hop count'],
    ['METRICS_REQUIRE_KEY', 'yes', 'must be true or false'],
  ])('rejects %s=%s', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });
});
