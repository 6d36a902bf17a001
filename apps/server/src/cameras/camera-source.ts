import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Injectable } from '@nestjs/common';
import { InjectConfig, type AppConfig } from '../config/config';
import { resolveFfmpeg } from '../jobs/ffmpeg-path';
import { rawFrameSplitter } from '../jobs/raw-frames';
import type { Size } from '../jobs/video-probe';
import type { ResolvedSource } from './camera-url';
import { parseSourceError, type SourceFailure } from './source-errors';

export interface SourceGeometry {
  /** Size of the frames delivered (the pipeline's input box, aspect kept, never enlarged). */
  frame: Size;
  /** Size of the camera's own frames: boxes are mapped back to it. */
  original: Size;
}

export interface SourceCallbacks {
  /** The sizes are known; frames follow. */
  onOpen(geometry: SourceGeometry): void;
  /** One packed RGB24 frame of `geometry.frame` size. */
  onFrame(frame: Buffer): void;
  /** ffmpeg ended (by itself, or after stop()); called once. */
  onExit(failure: SourceFailure): void;
}

export interface RunningSource {
  readonly pid: number | undefined;
  /** Kills ffmpeg at once; onExit still follows. */
  stop(): void;
}

/** Opens camera sources: the real one runs ffmpeg; unit specs use a fake. */
export abstract class CameraSourceProvider {
  abstract open(source: ResolvedSource, fps: number, box: Size, callbacks: SourceCallbacks): RunningSource;
}

/** util-linux's setpriv: ffmpeg gets SIGKILL when the server dies, even by SIGKILL. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path)) ?? null;

/** Spawns ffmpeg so that it cannot outlive this process (parent-death signal where setpriv exists). */
export function spawnFfmpegChild(ffmpeg: string, args: string[]): ChildProcess {
  const [command, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', ffmpeg, ...args]] : [ffmpeg, args];
  return spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
}

const SIZE = /(?:^|[ ,])(\d{1,5})x(\d{1,5})(?:[ ,]|$)/;

/** The input and output video sizes from ffmpeg's header lines, once both are printed. */
export function parseGeometry(stderr: string): SourceGeometry | null {
  const output = stderr.indexOf('Output #0');
  if (output < 0) return null;
  const inputStream = /^\s*Stream #0:\d+.*?: Video: (.*)$/m.exec(stderr.slice(0, output));
  const outputStream = /^\s*Stream #0:\d+.*?: Video: (.*)$/m.exec(stderr.slice(output));
  const inSize = inputStream ? SIZE.exec(inputStream[1] ?? '') : null;
  const outSize = outputStream ? SIZE.exec(outputStream[1] ?? '') : null;
  if (!inSize || !outSize) return null;
  return {
    original: { width: Number(inSize[1]), height: Number(inSize[2]) },
    frame: { width: Number(outSize[1]), height: Number(outSize[2]) },
  };
}

/** The ffmpeg arguments of one camera: raw RGB frames at `fps`, fitted inside `box`. */
export function cameraArgs(source: ResolvedSource, fps: number, box: Size): string[] {
  const fit = `scale=w='min(${box.width},iw)':h='min(${box.height},ih)':force_original_aspect_ratio=decrease:flags=bilinear`;
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-v',
    'info',
    '-threads',
    '1',
    ...source.inputArgs,
    '-i',
    source.url,
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    '-vf',
    `fps=${fps},${fit}`,
    '-pix_fmt',
    'rgb24',
    '-f',
    'rawvideo',
    'pipe:1',
  ];
}

@Injectable()
export class FfmpegCameraSource extends CameraSourceProvider {
  private readonly ffmpeg: string;

  constructor(@InjectConfig() config: AppConfig) {
    super();
    this.ffmpeg = resolveFfmpeg(config);
  }

  open(source: ResolvedSource, fps: number, box: Size, callbacks: SourceCallbacks): RunningSource {
    const child = spawnFfmpegChild(this.ffmpeg, cameraArgs(source, fps, box));
    let stderr = '';
    let geometry: SourceGeometry | null = null;
    let split: ((chunk: Buffer) => void) | null = null;
    const early: Buffer[] = [];
    const start = (): void => {
      if (geometry !== null) return;
      geometry = parseGeometry(stderr);
      if (geometry === null) return;
      callbacks.onOpen(geometry);
      split = rawFrameSplitter(geometry.frame.width * geometry.frame.height * 3, (frame) => callbacks.onFrame(frame));
      for (const chunk of early.splice(0)) split(chunk);
    };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      // The header (sizes) comes first and is kept whole; after it only the tail matters.
      stderr = geometry === null ? stderr + chunk : (stderr + chunk).slice(-8000);
      start();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      if (split) split(chunk);
      else if (early.length < 64) early.push(chunk);
    });
    let ended = false;
    const end = (code: number | null, error?: Error): void => {
      if (ended) return;
      ended = true;
      const tail = geometry === null ? stderr : stderr.slice(-2000);
      callbacks.onExit(error ? { kind: 'failed', reason: 'ffmpeg could not start' } : parseSourceError(tail, code));
    };
    child.on('error', (error) => end(null, error));
    child.on('close', (code) => end(code));
    return {
      pid: child.pid,
      stop: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
  }
}
