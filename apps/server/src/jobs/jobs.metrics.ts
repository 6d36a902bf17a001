import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';

export const jobsMetricProviders = [
  makeCounterProvider({
    name: 'forgesyte_job_frames_processed_total',
    help: 'Video job frames run through a pipeline and stored.',
  }),
  makeCounterProvider({
    name: 'forgesyte_jobs_finished_total',
    help: 'Video jobs that ended, by status.',
    labelNames: ['status'],
  }),
];

/** The jobs' Prometheus metrics behind small methods, so call sites stay one line. */
@Injectable()
export class JobsMetrics {
  constructor(
    @InjectMetric('forgesyte_job_frames_processed_total') private readonly framesTotal: Counter<string>,
    @InjectMetric('forgesyte_jobs_finished_total') private readonly finishedTotal: Counter<string>,
  ) {}

  frameProcessed(): void {
    this.framesTotal.inc();
  }

  finished(status: 'completed' | 'failed'): void {
    this.finishedTotal.inc({ status });
  }
}
