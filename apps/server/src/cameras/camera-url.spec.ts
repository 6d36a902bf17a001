import { CameraUrlPolicy, maskUrl, mergeUrl, resolveSource, splitUrl, UnknownHostError } from './camera-url';

describe('maskUrl', () => {
  it.each([
    ['rtsp://admin:s3cret@10.0.0.5:554/stream1', 'rtsp://admin:***@10.0.0.5:554/stream1'],
    ['https://token@cam.example/mjpeg', 'https://***@cam.example/mjpeg'],
    ['rtsp://10.0.0.5/stream1', 'rtsp://10.0.0.5/stream1'],
    ['rtsp://u:p%40ss@[fe80::1]:8554/x?y=1', 'rtsp://u:***@[fe80::1]:8554/x?y=1'],
  ])('%s -> %s', (raw, masked) => {
    expect(maskUrl(raw)).toBe(masked);
  });

  it('keeps the stored credentials when the masked URL comes back', () => {
    const stored = 'rtsp://admin:s3cret@10.0.0.5/stream1';
    expect(mergeUrl(stored, 'rtsp://admin:***@10.0.0.5/stream1')).toBe(stored);
    expect(mergeUrl(stored, 'rtsp://admin:other@10.0.0.5/stream1')).toBe('rtsp://admin:other@10.0.0.5/stream1');
  });
});

describe('CameraUrlPolicy', () => {
  const open = new CameraUrlPolicy(false, []);

  it.each([
    ['/etc/passwd', 'local files are refused'],
    ['file:///tmp/x.mp4', 'local files are refused'],
    ['concat:a|b', 'must be a network source'],
    ['gopher://x/y', 'must be a network source'],
    ['rtsp:///nohost', 'has no host'],
    [' rtsp://a/b', 'surrounding spaces'],
  ])('refuses %s', (url, rule) => {
    expect(open.syntaxProblem(url)).toContain(rule);
  });

  it('accepts network sources and, with CAMERAS_ALLOW_FILES, files', () => {
    expect(open.syntaxProblem('rtsp://cam.local:554/live')).toBeNull();
    expect(open.syntaxProblem('http://10.0.0.1/mjpg/video.mjpg')).toBeNull();
    expect(new CameraUrlPolicy(true, []).syntaxProblem('/srv/demo.mp4')).toBeNull();
  });

  it('narrows hosts to CAMERAS_URL_ALLOW (names and CIDR ranges)', async () => {
    const policy = new CameraUrlPolicy(false, ['cam.example', '10.1.0.0/16', '192.168.1.7']);
    await expect(policy.problem('rtsp://cam.example/x')).resolves.toBeNull();
    await expect(policy.problem('rtsp://10.1.200.3/x')).resolves.toBeNull();
    await expect(policy.problem('rtsp://192.168.1.7/x')).resolves.toBeNull();
    await expect(policy.problem('rtsp://192.168.1.8/x')).resolves.toContain('not in CAMERAS_URL_ALLOW');
    await expect(policy.problem('rtsp://127.0.0.1/x')).resolves.toContain('not in CAMERAS_URL_ALLOW');
    await expect(policy.problem('rtsp://localhost/x')).resolves.toContain('not in CAMERAS_URL_ALLOW');
  });
});

describe('resolveSource', () => {
  const policy = new CameraUrlPolicy(false, []);

  it('puts the address in the URL, keeps the credentials and asks for TCP', async () => {
    const source = await resolveSource('rtsp://u:p@localhost:8554/x', policy);
    expect(splitUrl(source.url)).toMatchObject({ userinfo: 'u:p', port: ':8554', rest: '/x' });
    expect(['127.0.0.1', '::1']).toContain(splitUrl(source.url)?.host);
    expect(source.inputArgs).toEqual(expect.arrayContaining(['-rtsp_transport', 'tcp']));
  });

  it('keeps the HTTP host name in the Host header', async () => {
    const source = await resolveSource('http://localhost:8080/mjpg', policy);
    expect(source.inputArgs).toContain('Host: localhost:8080\r\n');
  });

  it('rejects an unknown host', async () => {
    await expect(resolveSource('rtsp://no-such-host.invalid/x', policy)).rejects.toBeInstanceOf(UnknownHostError);
  });
});
