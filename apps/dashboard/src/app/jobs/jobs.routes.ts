import type { Routes } from '@angular/router';

export const JOBS_ROUTES: Routes = [
  { path: '', title: 'Jobs · ForgeSyte', loadComponent: () => import('./jobs.component').then((m) => m.JobsComponent) },
];
