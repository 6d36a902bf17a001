import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';

/** A dismissable-by-action alert: the sentence, optional detail, and a Retry button. */
@Component({
  selector: 'fs-error-banner',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="banner" role="alert" data-testid="error-banner" [attr.data-code]="code()">
      <p class="message">{{ message() }}</p>
      @if (detail()) {
        <p class="detail">Server said: {{ detail() }}</p>
      }
      @if (retryable()) {
        <button type="button" (click)="retry.emit()">Retry</button>
      }
    </div>
  `,
  styles: `
    .banner {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem 1rem;
      padding: 0.6rem 1rem;
      border: 1px solid var(--danger);
      border-radius: 6px;
      background: #3a1c1f;
      color: var(--text);
    }
    .message {
      margin: 0;
      font-weight: 600;
      flex: 1 1 20rem;
    }
    .detail {
      margin: 0;
      color: var(--muted);
      flex: 1 1 100%;
      font-size: 0.9rem;
    }
  `,
})
export class ErrorBannerComponent {
  readonly message = input.required<string>();
  readonly detail = input<string>('');
  readonly code = input<string>('');
  readonly retryable = input(true);
  readonly retry = output<void>();
}
