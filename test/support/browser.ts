import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { MEDIA_DIR, REPO_ROOT, startApp, untilReady, type RunningApp } from './app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const FFMPEG: string = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
const CHROMIUM = '/usr/bin/chromium';
export const TEST_VIDEO = join(MEDIA_DIR, 'one-by-one-person-detection.mp4');
/** 24-42 s of the clip show one person standing at the table; the first seconds are an empty room. */
const PERSON_SEGMENT = { start: 25, seconds: 4 };

const DASHBOARD_INDEX = join(REPO_ROOT, 'dist', 'apps', 'dashboard', 'browser', 'index.html');
/** Where the browser tests leave their screenshots. */
export const OUTPUT_DIR = join(REPO_ROOT, 'test-output');

/**
 * Before a browser test: checks that the dashboard is built (the server serves dist/), makes OUTPUT_DIR, and
 * returns a new temporary folder for the test's files (`forgesyte-browser-<name>-...`).
 */
export function prepareBrowserTest(name: string): string {
  if (!existsSync(DASHBOARD_INDEX))
    throw new Error(`${DASHBOARD_INDEX} is missing: run "npx ng build dashboard" first`);
  mkdirSync(OUTPUT_DIR, { recursive: true });
  return mkdtempSync(join(tmpdir(), `forgesyte-browser-${name}-`));
}

/** A Y4M clip of a person for Chromium's fake camera, written into dir. */
export function fakeCameraClip(dir: string): string {
  const camera = join(dir, 'camera.y4m');
  execFileSync(FFMPEG, [
    '-v',
    'error',
    '-y',
    '-ss',
    String(PERSON_SEGMENT.start),
    '-t',
    String(PERSON_SEGMENT.seconds),
    '-i',
    TEST_VIDEO,
    '-vf',
    'scale=640:360',
    '-r',
    '10',
    '-pix_fmt',
    'yuv420p',
    camera,
  ]);
  return camera;
}

/** Stills of the fake camera clip as JPEG bytes at its own size (640x360), `fps` of them per second of the clip. */
export function fakeCameraStills(camera: string, dir: string, fps = 2): Buffer[] {
  const stills = mkdtempSync(join(dir, 'stills-'));
  execFileSync(FFMPEG, ['-v', 'error', '-i', camera, '-vf', `fps=${fps}`, '-q:v', '2', join(stills, '%03d.jpg')]);
  return readdirSync(stills)
    .sort()
    .map((name) => readFileSync(join(stills, name)));
}

/** Headless Debian Chromium whose camera plays the given Y4M clip. */
export function launchChromium(camera: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${camera}`,
    ],
  });
}

export interface DashboardSession {
  app: RunningApp;
  browser: Browser;
  /** A laptop-sized page; every page error and console error lands in pageErrors. */
  page: Page;
  pageErrors: string[];
  close(): Promise<void>;
}

/** The built dashboard served by a real server with the given settings, in Chromium with a fake camera clip. */
export async function openDashboard(
  name: string,
  overrides: Parameters<typeof startApp>[0] = {},
): Promise<DashboardSession> {
  const workDir = prepareBrowserTest(name);
  const camera = fakeCameraClip(workDir);
  const app = await startApp(overrides);
  await untilReady(app);
  const browser = await launchChromium(camera);
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  // Any console error fails the test, a missing resource (404) included.
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console: ${message.text()} (${message.location().url})`);
  });
  return {
    app,
    browser,
    page,
    pageErrors,
    close: async () => {
      await browser.close();
      await app.close();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
