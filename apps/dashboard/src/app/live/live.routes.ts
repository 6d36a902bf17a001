import type { Routes } from '@angular/router';

export const LIVE_ROUTES: Routes = [
  { path: '', title: 'Live · ForgeSyte', loadComponent: () => import('./live.component').then((m) => m.LiveComponent) },
];
