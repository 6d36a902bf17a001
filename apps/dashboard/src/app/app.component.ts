import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink, RouterOutlet } from '@angular/router';
import { ApiKeyDialogComponent } from './shared/api-key-dialog.component';

@Component({
  selector: 'fs-root',
  imports: [RouterOutlet, RouterLink, ApiKeyDialogComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <header class="bar">
      <h1>ForgeSyte</h1>
      <nav aria-label="Main">
        <a routerLink="/live">Live</a>
        <a routerLink="/jobs">Jobs</a>
        <a routerLink="/cameras">Cameras</a>
      </nav>
    </header>
    <main>
      <router-outlet />
    </main>
    <fs-api-key-dialog />
  `,
  styles: `
    .bar {
      display: flex;
      align-items: center;
      gap: 2rem;
      padding: 0.5rem 1rem;
      background: var(--panel);
    }
    h1 {
      font-size: 1.2rem;
      margin: 0;
    }
    nav {
      display: flex;
      gap: 1rem;
    }
    main {
      padding: 1rem;
    }
  `,
})
export class AppComponent {}
