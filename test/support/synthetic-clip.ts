import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import sharp from 'sharp';
import type { Box, LineSpec, PipelineResult, Point, ZoneSpec } from '@forgesyte/contracts';
import { MEDIA_DIR } from './app';

/**
 * A short clip whose truth is known: real person crops (from bus.jpg, boxes as YOLOX-Nano finds them) moved over a
 * static textured background along straight paths. Two people walk towards each other in two lanes and pass at
 * the door; the bay is the right side of the picture.
 */
export const CLIP = { width: 480, height: 320, fps: 10, frames: 26 } as const;

interface Walker {
  name: string;
  /** Crop of bus.jpg (x1, y1, x2, y2). */
  crop: [number, number, number, number];
  height: number;
  /** Bottom centre on frame f. */
  at(f: number): Point;
}

export const WALKERS: Walker[] = [
  { name: 'A', crop: [50, 395, 216, 898], height: 150, at: (f) => [40 + 16 * f, 165] },
  { name: 'B', crop: [220, 402, 347, 855], height: 150, at: (f) => [440 - 16 * f, 312] },
];

/** A vertical door at x = 240 drawn downwards: d = (0, 1), left is positive, so A (going right) is `out`, B `in`. */
export const DOOR: LineSpec = { id: 'door', from: [240, 0], to: [240, 320] };
/** x from 304: A is in from frame 17, B until frame 8 (every bottom centre at least 8 px from the edge). */
export const BAY: ZoneSpec = {
  id: 'bay',
  points: [
    [304, 0],
    [480, 0],
    [480, 320],
    [304, 320],
  ],
};

/** The true box of walker w on frame f. */
export function truthBox(w: Walker, f: number, width: number): Box {
  const [x, y] = w.at(f);
  return { x1: x - width / 2, y1: y - w.height, x2: x + width / 2, y2: y };
}

export function truthInBay(f: number): number {
  return WALKERS.filter((w) => w.at(f)[0] >= 304).length;
}

export interface SyntheticClip {
  /** Raw RGB frames. */
  frames: Buffer[];
  jpegs: Buffer[];
  /** Width of each walker's pasted crop. */
  widths: number[];
  mp4: Buffer;
}

export async function buildClip(dir: string): Promise<SyntheticClip> {
  const { width, height } = CLIP;
  // A static background with some texture: a gradient with fixed noise.
  const noise = await sharp({
    create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 120, sigma: 18 } },
  })
    .blur(1.5)
    .raw()
    .toBuffer();
  const background = Buffer.from(noise);
  background.forEach((v, i) => (background[i] = Math.min(255, v + ((i / 3) % width) / 8)));
  const source = join(MEDIA_DIR, 'bus.jpg');
  const crops = await Promise.all(
    WALKERS.map(async (w) => {
      const [x1, y1, x2, y2] = w.crop;
      const cropWidth = Math.round(((x2 - x1) * w.height) / (y2 - y1));
      const data = await sharp(source)
        .extract({ left: x1, top: y1, width: x2 - x1, height: y2 - y1 })
        .resize(cropWidth, w.height)
        .png()
        .toBuffer();
      return { data, width: cropWidth };
    }),
  );
  const frames: Buffer[] = [];
  const jpegs: Buffer[] = [];
  for (let f = 0; f < CLIP.frames; f++) {
    const composed = sharp(background, { raw: { width, height, channels: 3 } }).composite(
      WALKERS.map((w, i) => {
        const crop = crops[i]!;
        const box = truthBox(w, f, crop.width);
        return { input: crop.data, left: Math.round(box.x1), top: Math.round(box.y1) };
      }),
    );
    const raw = await composed.clone().removeAlpha().raw().toBuffer();
    frames.push(raw);
    jpegs.push(
      await sharp(raw, { raw: { width, height, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
  }
  const out = join(dir, 'synthetic.mp4');
  execFileSync(
    ffmpegInstaller.path,
    [
      ...['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`],
      ...['-r', String(CLIP.fps), '-i', '-', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '16'],
      ...['-pix_fmt', 'yuv420p', out],
    ],
    { input: Buffer.concat(frames) },
  );
  return { frames, jpegs, widths: crops.map((c) => c.width), mp4: readFileSync(out) };
}

/** How a tracking run did against the truth. */
export interface TrackingScore {
  /** Per walker, the track ids its detections carried, in order of first appearance. */
  ids: number[][];
  /** Changes of track id along each walker's path. */
  idSwitches: number;
  /** Frames (after the confirmation frames) where a walker had no detection with a track id. */
  untracked: number;
  /** |in - 1| + |out - 1| on the door at the end. */
  countErrors: number;
  /** Frames (after the confirmation frames) whose bay count differs from the truth. */
  zoneErrors: number;
  last: PipelineResult;
}

/** Scores per-frame results; a detection is a walker's when it overlaps the walker's true box by IoU 0.5 or more. */
export function scoreTracking(results: PipelineResult[], widths: number[], confirmFrames: number): TrackingScore {
  const ids: number[][] = WALKERS.map(() => []);
  let idSwitches = 0;
  let untracked = 0;
  let zoneErrors = 0;
  const previous: (number | undefined)[] = WALKERS.map(() => undefined);
  results.forEach((result, f) => {
    WALKERS.forEach((w, i) => {
      const truth = truthBox(w, f, widths[i]!);
      const mine = result.detections
        .filter((d) => d.label === 'person' && iou(d.box, truth) >= 0.5)
        .sort((a, b) => iou(b.box, truth) - iou(a.box, truth))[0];
      const id = mine?.track_id;
      if (id === undefined) {
        if (f >= confirmFrames - 1) untracked++;
        return;
      }
      const seen = ids[i]!;
      if (!seen.includes(id)) seen.push(id);
      if (previous[i] !== undefined && previous[i] !== id) idSwitches++;
      previous[i] = id;
    });
    const bay = result.zones?.find((z) => z.id === 'bay')?.count;
    if (f >= confirmFrames - 1 && bay !== truthInBay(f)) zoneErrors++;
  });
  const last = results.at(-1);
  if (!last) throw new Error('no results to score');
  const door = last.lines?.find((l) => l.id === 'door') ?? { in: Number.NaN, out: Number.NaN };
  return { ids, idSwitches, untracked, countErrors: Math.abs(door.in - 1) + Math.abs(door.out - 1), zoneErrors, last };
}

function iou(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}
