import { spawnSync } from 'node:child_process';
import { startApp, type RunningApp } from './support/app';

function which(command: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

describe('GET /metrics', () => {
  let app: RunningApp;
  let text: string;
  let contentType: string | null;
  beforeAll(async () => {
    app = await startApp();
    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    contentType = res.headers.get('content-type');
    text = await res.text();
  });
  afterAll(() => app.close());

  it('is the Prometheus text exposition format', () => {
    expect(contentType).toMatch(/^text\/plain;/);
    expect(contentType).toContain('version=0.0.4');
    expect(text).toMatch(/^# HELP /m);
    expect(text).toMatch(/^# TYPE \w+ (gauge|counter|histogram|summary)$/m);
  });

  it('has the default process and Node metrics', () => {
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it('has forgesyte_build_info with version and Node labels', () => {
    expect(text).toContain('# TYPE forgesyte_build_info gauge');
    expect(text).toMatch(
      /^forgesyte_build_info\{version="\d+\.\d+\.\d+",node_version="v\d+[^"]*",revision="[^"]+"\} 1$/m,
    );
  });

  it('passes promtool check metrics where promtool is installed (CI installs it)', () => {
    const promtool = which('promtool');
    if (!promtool) {
      if (process.env.CI) throw new Error('promtool is required in CI (apt-get install prometheus)');
      console.warn('promtool not installed (apt-get install prometheus): exposition not linted here');
      return;
    }
    const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: check.status, output: check.stdout + check.stderr }).toEqual({ status: 0, output: '' });
  });
});

describe('the dashboard shell', () => {
  it('is served at /', async () => {
    const app = await startApp();
    try {
      const res = await fetch(`${app.url}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const html = await res.text();
      expect(html).toContain('<fs-root>');
      const script = /src="(main-[\w]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const js = await fetch(`${app.url}/${script}`);
      expect(js.status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
