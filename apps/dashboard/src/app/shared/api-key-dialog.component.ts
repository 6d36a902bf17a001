import { ChangeDetectionStrategy, Component, type ElementRef, effect, inject, viewChild } from '@angular/core';
import { ApiKeyService } from './api-key.service';

/** Asks for the server's API key when a request was refused with 401. */
@Component({
  selector: 'fs-api-key-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (keys.prompt(); as prompt) {
      <div class="backdrop">
        <form
          class="dialog"
          role="dialog"
          aria-modal="true"
          aria-labelledby="api-key-title"
          data-testid="api-key-dialog"
          (submit)="$event.preventDefault(); keys.submit(input.value)"
        >
          <h2 id="api-key-title">API key required</h2>
          <p>
            @if (prompt.refused) {
              The server did not accept the key. Enter a valid one.
            } @else {
              This server asks for an API key. It is kept for this browser tab only.
            }
          </p>
          <label>
            API key
            <input #input type="password" autocomplete="off" data-testid="api-key-input" />
          </label>
          <div class="actions">
            <button type="button" data-testid="api-key-cancel" (click)="keys.cancel()">Cancel</button>
            <button type="submit" data-testid="api-key-submit">Use key</button>
          </div>
        </form>
      </div>
    }
  `,
  styles: `
    .backdrop {
      position: fixed;
      inset: 0;
      display: grid;
      place-items: center;
      background: rgb(0 0 0 / 0.6);
      z-index: 10;
    }
    .dialog {
      display: grid;
      gap: 0.75rem;
      min-width: 20rem;
      padding: 1rem 1.25rem;
      border-radius: 8px;
      background: var(--panel);
    }
    h2 {
      margin: 0;
      font-size: 1.1rem;
    }
    p {
      margin: 0;
      color: var(--muted);
    }
    label {
      display: grid;
      gap: 0.25rem;
    }
    .actions {
      display: flex;
      justify-content: flex-end;
      gap: 0.5rem;
    }
  `,
})
export class ApiKeyDialogComponent {
  protected readonly keys = inject(ApiKeyService);
  private readonly input = viewChild<ElementRef<HTMLInputElement>>('input');

  constructor() {
    effect(() => this.input()?.nativeElement.focus());
  }
}
