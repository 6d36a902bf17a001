import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

const WIDTH = 240;
const HEIGHT = 60;

/** Round trips as a small SVG line chart; the scale follows the largest recent value. */
@Component({
  selector: 'fs-latency-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <svg
      [attr.viewBox]="'0 0 ' + width + ' ' + height"
      [attr.width]="width"
      [attr.height]="height"
      role="img"
      [attr.aria-label]="label()"
    >
      <rect [attr.width]="width" [attr.height]="height" fill="#0b0f13" />
      @if (points()) {
        <polyline [attr.points]="points()" fill="none" stroke="#4fb3ff" stroke-width="1.5" />
      }
      <text x="4" y="12" fill="#a9b4c0" font-size="10">{{ ceiling() }} ms</text>
    </svg>
  `,
})
export class LatencyChartComponent {
  readonly samples = input.required<readonly number[]>();

  protected readonly width = WIDTH;
  protected readonly height = HEIGHT;

  /** Rounded up to a tidy step so the axis does not jitter with every sample. */
  protected readonly ceiling = computed(() => {
    const max = Math.max(0, ...this.samples());
    const step = max <= 50 ? 10 : max <= 200 ? 50 : 250;
    return Math.max(step, Math.ceil(max / step) * step);
  });

  protected readonly points = computed(() => {
    const samples = this.samples();
    if (samples.length < 2) return '';
    const ceiling = this.ceiling();
    const dx = WIDTH / (samples.length - 1);
    return samples
      .map((v, i) => `${(i * dx).toFixed(1)},${(HEIGHT - (v / ceiling) * (HEIGHT - 14)).toFixed(1)}`)
      .join(' ');
  });

  protected readonly label = computed(() => {
    const samples = this.samples();
    return samples.length === 0
      ? 'Latency chart: no round trips yet'
      : `Latency chart of the last ${samples.length} round trips, up to ${Math.round(Math.max(...samples))} ms`;
  });
}
