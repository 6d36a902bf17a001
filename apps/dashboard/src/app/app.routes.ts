import type { Routes } from '@angular/router';

export const routes: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'live' },
  { path: 'live', loadChildren: () => import('./live/live.routes').then((m) => m.LIVE_ROUTES) },
  { path: 'jobs', loadChildren: () => import('./jobs/jobs.routes').then((m) => m.JOBS_ROUTES) },
  { path: 'cameras', loadChildren: () => import('./cameras/cameras.routes').then((m) => m.CAMERAS_ROUTES) },
  { path: '**', redirectTo: 'live' },
];
