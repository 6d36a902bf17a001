import { Injectable } from '@nestjs/common';
import {
  InjectMetric,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { ErrorCode, StreamDropReason } from '@forgesyte/contracts';

export const streamingMetricProviders = [
  makeGaugeProvider({
    name: 'stream_sessions_active',
    help: 'Live WebSocket stream sessions open now.',
  }),
  makeCounterProvider({
    name: 'stream_frames_processed_total',
    help: 'Stream frames run through a pipeline and answered with a result.',
    labelNames: ['pipeline'],
  }),
  makeCounterProvider({
    name: 'stream_frames_dropped_total',
    help: 'Stream frames answered with dropped, by reason (busy, saturated, client_slow).',
    labelNames: ['pipeline', 'reason'],
  }),
  makeCounterProvider({
    name: 'stream_slowdown_signals_total',
    help: 'slow_down messages sent to stream clients.',
    labelNames: ['pipeline'],
  }),
  makeCounterProvider({
    name: 'stream_errors_total',
    help: 'Stream sessions ended or refused with an error, by error code.',
    labelNames: ['code'],
  }),
  makeHistogramProvider({
    name: 'stream_frame_processing_seconds',
    help: 'Time from a stream frame entering the pipeline to its result, by pipeline.',
    labelNames: ['pipeline'],
    buckets: [0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1, 2],
  }),
];

/** The stream's Prometheus metrics behind small methods, so call sites stay one line. */
@Injectable()
export class StreamingMetrics {
  constructor(
    @InjectMetric('stream_sessions_active') private readonly sessions: Gauge<string>,
    @InjectMetric('stream_frames_processed_total') private readonly processedTotal: Counter<string>,
    @InjectMetric('stream_frames_dropped_total') private readonly droppedTotal: Counter<string>,
    @InjectMetric('stream_slowdown_signals_total') private readonly slowdownTotal: Counter<string>,
    @InjectMetric('stream_errors_total') private readonly errorsTotal: Counter<string>,
    @InjectMetric('stream_frame_processing_seconds') private readonly processing: Histogram<string>,
  ) {}

  setActive(count: number): void {
    this.sessions.set(count);
  }

  processed(pipeline: string, seconds: number): void {
    this.processedTotal.inc({ pipeline });
    this.processing.observe({ pipeline }, seconds);
  }

  dropped(pipeline: string, reason: StreamDropReason): void {
    this.droppedTotal.inc({ pipeline, reason });
  }

  slowDown(pipeline: string): void {
    this.slowdownTotal.inc({ pipeline });
  }

  error(code: ErrorCode): void {
    this.errorsTotal.inc({ code });
  }
}
