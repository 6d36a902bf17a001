import type { Routes } from '@angular/router';

export const CAMERAS_ROUTES: Routes = [
  {
    path: '',
    title: 'Cameras · ForgeSyte',
    loadComponent: () => import('./cameras.component').then((m) => m.CamerasComponent),
  },
];
