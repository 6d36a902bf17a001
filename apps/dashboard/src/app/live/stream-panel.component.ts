import { DecimalPipe, PercentPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { type SendRate } from '../shared/adaptive-rate';
import { type ConnectionStatus } from '../shared/realtime-client.service';
import { type StreamStatsSnapshot } from '../shared/stream-stats';
import { type Size } from './frame-capture';
import { LatencyChartComponent } from './latency-chart.component';

/** Connection health at a glance: what is sent, what comes back, and how long it takes. */
@Component({
  selector: 'fs-stream-panel',
  imports: [DecimalPipe, PercentPipe, LatencyChartComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <dl class="figures">
      <dt>Connection</dt>
      <dd data-testid="connection-status" [attr.data-status]="status()">{{ status() }}</dd>
      <dt>Send rate</dt>
      <dd data-testid="send-rate">
        {{ rate().fps }} fps of {{ targetFps() }}, {{ rate().scale * 100 | number: '1.0-0' }}% size
      </dd>
      <dt>Frame size</dt>
      <dd data-testid="sent-size">{{ sentSize() ? sentSize()!.width + 'x' + sentSize()!.height : '–' }}</dd>
      <dt>Frames sent</dt>
      <dd>{{ stats().fpsSent | number: '1.1-1' }} /s</dd>
      <dt>Results</dt>
      <dd data-testid="results-per-second">{{ stats().resultsPerSecond | number: '1.1-1' }} /s</dd>
      <dt>Drop rate</dt>
      <dd>{{ stats().dropRate | percent: '1.0-0' }}</dd>
      <dt>Slow-down signals</dt>
      <dd>{{ stats().slowDowns }}</dd>
      <dt>Round trip p50 / p95</dt>
      <dd>{{ ms(stats().rttP50) }} / {{ ms(stats().rttP95) }}</dd>
    </dl>
    <fs-latency-chart [samples]="stats().rttHistory" />
  `,
  styles: `
    :host {
      display: block;
    }
    .figures {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 0.25rem 0.75rem;
      margin: 0 0 0.5rem;
      font-size: 0.9rem;
    }
    dt {
      color: var(--muted);
    }
    dd {
      margin: 0;
      font-variant-numeric: tabular-nums;
    }
  `,
})
export class StreamPanelComponent {
  readonly status = input.required<ConnectionStatus>();
  readonly rate = input.required<SendRate>();
  /** The operator's choice, which the adaptive rate climbs back to. */
  readonly targetFps = input.required<number>();
  /** The last frame sent, in pixels (the pipeline's frame_size, or less under load); null before the first. */
  readonly sentSize = input<Size | null>(null);
  readonly stats = input.required<StreamStatsSnapshot>();

  protected ms(value: number | null): string {
    return value === null ? '–' : `${Math.round(value)} ms`;
  }
}
