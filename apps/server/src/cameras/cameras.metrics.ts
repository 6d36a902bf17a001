import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';

/** Labelled by camera id: names are the operator's, URLs carry credentials; neither is a label. */
export const cameraMetricProviders = [
  makeGaugeProvider({
    name: 'forgesyte_camera_up',
    help: 'Whether a camera this process holds is streaming (1) or not (0).',
    labelNames: ['camera'],
  }),
  makeCounterProvider({
    name: 'forgesyte_camera_frames_total',
    help: 'Camera frames analysed by this process.',
    labelNames: ['camera'],
  }),
  makeCounterProvider({
    name: 'forgesyte_camera_reconnects_total',
    help: 'Camera source restarts after a failure or a stall, in this process.',
    labelNames: ['camera'],
  }),
  makeGaugeProvider({
    name: 'forgesyte_camera_frame_age_seconds',
    help: 'Capture to result of the last analysed frame of a camera.',
    labelNames: ['camera'],
  }),
];

@Injectable()
export class CamerasMetrics {
  constructor(
    @InjectMetric('forgesyte_camera_up') private readonly up: Gauge<string>,
    @InjectMetric('forgesyte_camera_frames_total') private readonly frames: Counter<string>,
    @InjectMetric('forgesyte_camera_reconnects_total') private readonly reconnects: Counter<string>,
    @InjectMetric('forgesyte_camera_frame_age_seconds') private readonly age: Gauge<string>,
  ) {}

  setUp(camera: string, up: boolean): void {
    this.up.set({ camera }, up ? 1 : 0);
  }

  frame(camera: string, ageMs: number): void {
    this.frames.inc({ camera });
    this.age.set({ camera }, ageMs / 1000);
  }

  reconnect(camera: string): void {
    this.reconnects.inc({ camera });
  }

  /** The process no longer holds the camera: its series go (another process reports it now). */
  forget(camera: string): void {
    for (const metric of [this.up, this.frames, this.reconnects, this.age]) metric.remove({ camera });
  }
}
