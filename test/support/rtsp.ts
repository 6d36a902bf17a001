import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { MEDIA_DIR } from './app';
import { freePort } from './free-port';

/** The one H.264 MP4 in ../shared/media (139 s), served in a loop. */
export const RTSP_CLIP = join(MEDIA_DIR, 'one-by-one-person-detection.mp4');
const PYTHON = '/usr/bin/python3';

/** Whether Debian's GStreamer RTSP server is installed (`.ci/run` installs it). */
export function rtspServerAvailable(): boolean {
  const probe = spawnSync(PYTHON, ['-c', "import gi; gi.require_version('GstRtspServer', '1.0')"]);
  return probe.status === 0;
}

export interface RtspServer {
  port: number;
  /** rtsp://[user:pass@]127.0.0.1:PORT/cam */
  url(path?: string, credentials?: string): string;
  child: ChildProcess;
  /** SIGKILL, like a camera losing power. */
  kill(): Promise<void>;
  /** A new server on the same port (after kill). */
  restart(): Promise<void>;
}

async function launch(port: number, credentials: string | undefined, clip: string): Promise<ChildProcess> {
  const args = [join(__dirname, 'rtsp-server.py'), String(port), clip, ...(credentials ? [credentials] : [])];
  const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rtsp server did not start: ${err}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rtsp server exited with ${code}: ${err}`));
    });
  });
  return child;
}

/**
 * A local RTSP server on an ephemeral port; with `credentials` (`user:pass`) it wants basic auth. `clip`: another
 * H.264 MP4 to serve in a loop.
 */
export async function startRtspServer(credentials?: string, clip = RTSP_CLIP): Promise<RtspServer> {
  const port = await freePort();
  const server: RtspServer = {
    port,
    child: await launch(port, credentials, clip),
    url: (path = 'cam', auth?: string) => `rtsp://${auth ? `${auth}@` : ''}127.0.0.1:${port}/${path}`,
    kill: () =>
      new Promise<void>((resolve) => {
        if (server.child.exitCode !== null || server.child.signalCode !== null) return resolve();
        server.child.once('exit', () => resolve());
        server.child.kill('SIGKILL');
      }),
    restart: async () => {
      await server.kill();
      server.child = await launch(port, credentials, clip);
    },
  };
  return server;
}
