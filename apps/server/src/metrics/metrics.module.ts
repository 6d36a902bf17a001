import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { InjectMetric, makeGaugeProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register, type Gauge } from 'prom-client';
import { BUILD_INFO } from '../build-info';
import { MetricsController } from './metrics.controller';

// Registered once per process: prom-client keeps one default registry, and collecting the
// default metrics twice would throw.
const prometheus = PrometheusModule.register({
  path: '/metrics',
  controller: MetricsController,
  defaultMetrics: { enabled: true },
  global: true,
});

// prom-client also exports these three as gauges named *_total, which promtool rejects (only
// counters end in _total); nodejs_active_handles, _requests and _resources carry the same data.
for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
  register.removeSingleMetric(name);
}

const buildInfo = makeGaugeProvider({
  name: 'forgesyte_build_info',
  help: 'Build of the running ForgeSyte server; the value is always 1.',
  labelNames: ['version', 'node_version', 'revision'],
});

@Global()
@Module({ imports: [prometheus], providers: [buildInfo], exports: [prometheus, buildInfo] })
export class MetricsModule implements OnModuleInit {
  constructor(@InjectMetric('forgesyte_build_info') private readonly gauge: Gauge<string>) {}

  onModuleInit(): void {
    this.gauge.set({ version: BUILD_INFO.version, node_version: process.version, revision: BUILD_INFO.revision }, 1);
  }
}
