import type { AppConfig } from '../config/config';

/** FFMPEG_PATH when set, otherwise the static build that @ffmpeg-installer ships for this platform. */
export function resolveFfmpeg(config: AppConfig): string {
  if (config.FFMPEG_PATH) return config.FFMPEG_PATH;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const installer = require('@ffmpeg-installer/ffmpeg') as { path: string };
  return installer.path;
}
