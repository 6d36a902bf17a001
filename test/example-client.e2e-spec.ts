import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runInThisContext } from 'node:vm';
import type { RunningApp } from './support/app';
import { present } from './support/present';

// See test/streaming.e2e-spec.ts: Node's main-realm typed arrays for onnxruntime under Jest.
for (const name of ['Float32Array', 'Int32Array', 'BigInt64Array', 'Uint8Array', 'Int8Array', 'Uint16Array']) {
  (globalThis as Record<string, unknown>)[name] = runInThisContext(name);
}
const support = import('./support/app');

const ROOT = resolve(__dirname, '..');
const MEDIA_DIR = join(ROOT, '..', 'shared', 'media');

interface Line {
  frame_index?: number;
  dropped?: boolean;
  image?: string;
  detections?: string[];
  summary?: { sent: number; processed: number; dropped: number; skipped: number; error: string | null };
}

/** Runs examples/stream-client.ts as a user would and parses its JSON lines. */
function runClient(args: string[]): Promise<{ code: number | null; lines: Line[]; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'examples/stream-client.ts', ...args],
      { cwd: ROOT },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('close', (code) => {
      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Line);
      done({ code, lines, stderr });
    });
  });
}

/** Runs one frame through the pipeline so the models and workers are warm before a timed client. */
async function warmUp(app: RunningApp): Promise<void> {
  const { openStream } = await import('../examples/stream-client');
  const stream = await openStream(app.wsUrl, 'yolo');
  stream.socket.send(readFileSync(join(MEDIA_DIR, 'bus.jpg')));
  await stream.next(60000);
  stream.socket.close(1000);
  await stream.closed;
}

describe('examples/stream-client.ts against the server', () => {
  let app: RunningApp;
  let folder: string;
  beforeAll(async () => {
    app = await (await support).startApp({ PIPELINES: 'yolo' });
    folder = mkdtempSync(join(tmpdir(), 'forgesyte-frames-'));
    for (const name of ['bus.jpg', 'zidane.jpg', 'dog_bicycle_truck.jpg'])
      copyFileSync(join(MEDIA_DIR, name), join(folder, name));
  });
  afterAll(async () => {
    await app.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('streams a folder of JPEGs and prints one answer per frame and a summary', async () => {
    // One frame in flight at a time, waiting for each answer: every frame runs (none dropped busy,
    // none skipped) however busy the machine is.
    await warmUp(app);
    const { code, lines, stderr } = await runClient([
      ...['--url', app.wsUrl, '--pipeline', 'yolo', '--fps', '2', '--max-in-flight', '1', '--wait'],
      folder,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const answers = lines.filter((l) => l.frame_index !== undefined);
    expect(answers.map((a) => a.frame_index)).toEqual([0, 1, 2]);
    // sorted by name: bus, dog_bicycle_truck, zidane
    expect(answers[0]?.detections).toContain('bus');
    expect(answers[1]?.detections).toEqual(expect.arrayContaining(['dog', 'bicycle']));
    expect(answers[2]?.detections).toContain('person');
    // A folder's JPEGs go as they are.
    expect(answers[0]?.image).toBe('810x1080');
    expect(lines.at(-1)?.summary).toMatchObject({ sent: 3, processed: 3, dropped: 0, skipped: 0, error: null });
  });

  it('streams the frames of a video file decoded by ffmpeg', async () => {
    const video = join(MEDIA_DIR, 'crowd_walking_720p_h264.avi');
    const { code, lines, stderr } = await runClient(['--url', app.wsUrl, '--fps', '10', '--max-frames', '20', video]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const summary = present(lines.at(-1)?.summary, 'the summary line');
    expect(summary.sent).toBe(20);
    expect(summary.processed + summary.dropped).toBe(summary.sent);
    expect(summary.processed).toBeGreaterThan(0);
    const answers = lines.filter((l) => l.frame_index !== undefined);
    expect(answers.map((a) => a.frame_index)).toEqual([...Array(summary.sent).keys()]);
    expect(answers.some((a) => a.detections?.includes('person'))).toBe(true);
    // The 1280x720 video's frames are scaled by ffmpeg to fit yolo's frame_size (416x416).
    const sizes = new Set(answers.filter((a) => !a.dropped).map((a) => a.image));
    expect(sizes).toEqual(new Set(['416x234']));
  });
});
