import { Injectable } from '@nestjs/common';
import { InjectConfig, type AppConfig } from '../config/config';
import { resolveFfmpeg } from './ffmpeg-path';
import { decodeRgbFrames } from './video-decoder';
import { countFrames, probeVideo, type Size, type VideoInfo } from './video-probe';

/**
 * Everything jobs ask of a video: what it is, how many frames a selection has, the frames
 * themselves. Services take it by injection, so their unit specs run on a fake instead of ffmpeg.
 */
export abstract class MediaProvider {
  /** The container's video stream; rejects with NotAVideoError when there is none usable. */
  abstract probe(path: string): Promise<VideoInfo>;
  /** How many frames the selection (every frame, or `fps` samples) has: one decode pass. */
  abstract countFrames(path: string, fps: number | null, signal?: AbortSignal): Promise<number>;
  /** The selected frames as packed RGB24 at `size`; stopping the iteration early stops the decoder. */
  abstract decodeRgbFrames(path: string, fps: number | null, size: Size): AsyncIterable<Buffer>;
}

/** MediaProvider on ffmpeg (FFMPEG_PATH, or the static build @ffmpeg-installer ships). */
@Injectable()
export class FfmpegMediaProvider extends MediaProvider {
  private readonly ffmpeg: string;

  constructor(@InjectConfig() config: AppConfig) {
    super();
    this.ffmpeg = resolveFfmpeg(config);
  }

  probe(path: string): Promise<VideoInfo> {
    return probeVideo(this.ffmpeg, path);
  }

  countFrames(path: string, fps: number | null, signal?: AbortSignal): Promise<number> {
    return countFrames(this.ffmpeg, path, fps, signal);
  }

  decodeRgbFrames(path: string, fps: number | null, size: Size): AsyncIterable<Buffer> {
    return decodeRgbFrames(this.ffmpeg, path, fps, size);
  }
}
