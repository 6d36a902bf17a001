import { Injectable } from '@nestjs/common';
import { InjectMetric, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import type { PipelineResult } from '@forgesyte/contracts';
import type { Priority } from './inference-scheduler';

/** How a pipeline run ended, as the runs counter labels it. */
export type RunOutcome = 'ok' | 'saturated' | 'invalid_image' | 'cancelled' | 'failed';

const STAGES = ['decode', 'inference', 'postprocess', 'total'] as const;

export const pipelineMetricProviders = [
  makeCounterProvider({
    name: 'forgesyte_pipeline_runs_total',
    help: 'Pipeline runs by pipeline, priority and outcome (ok, saturated, invalid_image, cancelled, failed).',
    labelNames: ['pipeline', 'priority', 'outcome'],
  }),
  makeHistogramProvider({
    name: 'forgesyte_pipeline_stage_duration_seconds',
    help: 'Time per pipeline stage (decode, inference, postprocess, total) of successful runs.',
    labelNames: ['pipeline', 'stage'],
    buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
  }),
];

/** The pipelines' Prometheus metrics behind small methods, so call sites stay one line. */
@Injectable()
export class PipelineMetrics {
  constructor(
    @InjectMetric('forgesyte_pipeline_runs_total') private readonly runsTotal: Counter<string>,
    @InjectMetric('forgesyte_pipeline_stage_duration_seconds') private readonly stageSeconds: Histogram<string>,
  ) {}

  /** A run that returned a result: counted, and each stage's time observed. */
  succeeded(pipeline: string, priority: Priority, timings: PipelineResult['timings_ms']): void {
    this.runsTotal.inc({ pipeline, priority, outcome: 'ok' });
    for (const stage of STAGES) this.stageSeconds.observe({ pipeline, stage }, timings[stage] / 1000);
  }

  /** A run that ended without a result. */
  ended(pipeline: string, priority: Priority, outcome: Exclude<RunOutcome, 'ok'>): void {
    this.runsTotal.inc({ pipeline, priority, outcome });
  }
}
