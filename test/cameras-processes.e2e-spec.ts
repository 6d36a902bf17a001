import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { CameraListResponse, CameraView } from '@forgesyte/contracts';
import { REPO_ROOT, waitFor } from './support/app';
import { createCamera, openViewer } from './support/cameras';
import { call } from './support/jobs-http';
import { spawnWorker, type WorkerProcess } from './support/jobs-worker';
import { createTestDatabase, type TestDatabase } from './support/postgres';
import { freePort } from './support/free-port';
import { startRtspServer, type RtspServer } from './support/rtsp';

const LEASE_S = 4;
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Server {
  process: WorkerProcess;
  url: string;
  wsUrl: string;
  dataDir: string;
}

/** The ffmpeg processes whose parent is `pid` (setpriv execs ffmpeg in place). */
function ffmpegChildren(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [, comm = '', rest = ''] = /^\d+ \((.*)\) (.*)$/s.exec(stat) ?? [];
      const ppid = Number(rest.split(' ')[1]);
      if (ppid === pid && comm.startsWith('ffmpeg')) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function camerasOf(url: string): Promise<CameraView[]> {
  return (await call<CameraListResponse>(`${url}/cameras`)).body.cameras;
}

/** Two server processes on one PostgreSQL database and one Redis share four cameras. */
describe('cameras shared by two server processes (PostgreSQL + Redis)', () => {
  let db: TestDatabase;
  let rtsp: RtspServer;
  const servers: Server[] = [];
  const prefix = `forgesyte-test-${randomBytes(4).toString('hex')}:`;

  async function startServer(): Promise<Server> {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'forgesyte-cameras-'));
    const child = spawnWorker(
      {
        PORT: port,
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        DATABASE_URL: db.url,
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        CAMERAS_LEASE_S: LEASE_S,
        CAMERAS_BACKOFF_MAX_S: 2,
        JOBS_CONCURRENCY: 0,
        PIPELINE_CONCURRENCY: 2,
        DASHBOARD_DIR: join(REPO_ROOT, 'dist', 'apps', 'dashboard', 'browser'),
      },
      'main.ts',
    );
    const server = { process: child, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}`, dataDir };
    servers.push(server);
    await child.waitForEvent((e) => e.event === 'cameras_supervisor_started', 120_000);
    return server;
  }

  beforeAll(async () => {
    db = await createTestDatabase('forgesyte_cameras');
    rtsp = await startRtspServer();
  });
  afterAll(async () => {
    for (const s of servers) {
      await s.process.kill('SIGKILL');
      rmSync(s.dataDir, { recursive: true, force: true });
    }
    await rtsp?.kill();
    await db?.drop();
  });

  it('spreads cameras, serves any viewer anywhere, takes over after SIGKILL and hands back on SIGTERM', async () => {
    const [a, b] = await Promise.all([startServer(), startServer()]);
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) {
      // Credentials the source does not ask for: they must still never show.
      const answer = await createCamera(a.url, {
        name: `cam ${i}`,
        url: rtsp.url(`cam${i}`, 'viewer:s3cret'),
        pipeline_id: 'yolo',
        fps: 1,
      });
      expect(answer.status).toBe(201);
      ids.push(answer.body.id);
    }
    const ownerA = () => a.process.events.find((e) => e.event === 'cameras_supervisor_started')!.owner;
    const ownerB = () => b.process.events.find((e) => e.event === 'cameras_supervisor_started')!.owner;

    // Two each, all streaming; B answers for every camera too.
    const spread = await waitFor(
      async () => {
        const cams = await camerasOf(b.url);
        const held = (owner: string | undefined) => cams.filter((c) => c.owner === owner).length;
        const ok = cams.every((c) => c.status === 'streaming') && held(ownerA()) === 2 && held(ownerB()) === 2;
        return ok ? cams : undefined;
      },
      180_000,
      500,
    );
    const onA = spread.find((c) => c.owner === ownerA())!;

    // A viewer on B receives a camera A holds.
    const viewer = await openViewer(b.wsUrl, onA.id);
    await viewer.until((v) => v.results.length >= 2, 60_000);

    const orphans = ffmpegChildren(a.process.child.pid!);
    expect(orphans.length).toBe(2);
    const mark = viewer.order.length;
    const seen = viewer.results.length;
    const killedAt = Date.now();
    await a.process.kill('SIGKILL');
    // The parent-death signal takes A's ffmpeg down with it.
    await waitFor(
      async () =>
        Promise.resolve(
          orphans.every((pid) => !ffmpegChildren(a.process.child.pid!).includes(pid) && !alive(pid)) ? true : undefined,
        ),
      10_000,
      50,
    );

    // B takes A's cameras over once their leases run out; the viewer hears a status first, then results again.
    const taken = await waitFor(
      async () => {
        const cams = await camerasOf(b.url);
        return cams.every((c) => c.owner === ownerB() && c.status === 'streaming') ? cams : undefined;
      },
      120_000,
      250,
    );
    expect(taken.map((c) => c.id).sort()).toEqual([...ids].sort());
    const takeoverS = (Date.now() - killedAt) / 1000;
    await viewer.until((v) => v.results.length > seen + 1, 60_000);
    const later = viewer.order.slice(mark);
    expect(later.indexOf('status')).toBeGreaterThanOrEqual(0);
    expect(later.indexOf('status')).toBeLessThan(later.indexOf('result'));
    expect(viewer.results[seen]?.frame_index).toBe(0);
    process.stdout.write(`cameras taken over ${takeoverS.toFixed(1)} s after SIGKILL (lease ${LEASE_S} s)\n`);
    viewer.ws.close();

    // A graceful stop hands the cameras back at once: no lease left to wait for.
    await b.process.kill('SIGTERM');
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const rows = (
        await pg.query<{ lease_owner: string | null; status: string }>('SELECT lease_owner, status FROM cameras')
      ).rows;
      expect(rows).toHaveLength(4);
      expect(rows.every((r) => r.lease_owner === null && r.status === 'waiting')).toBe(true);
    } finally {
      await pg.end();
    }

    const logs = JSON.stringify([...a.process.events, ...b.process.events]);
    expect(logs).toContain('camera_started');
    expect(logs).not.toContain('s3cret');
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
