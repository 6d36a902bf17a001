import { provideHttpClient, withInterceptors } from '@angular/common/http';
import {
  provideBrowserGlobalErrorListeners,
  provideZonelessChangeDetection,
  type ApplicationConfig,
} from '@angular/core';
import { provideRouter, withHashLocation } from '@angular/router';
import { routes } from './app.routes';
import { apiKeyInterceptor } from './shared/api-key.interceptor';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideZonelessChangeDetection(),
    // The XHR backend, not fetch: only XHR reports upload progress, which the jobs view shows.
    provideHttpClient(withInterceptors([apiKeyInterceptor])),
    // Hash routes: the server only has to serve index.html at "/", never shadowing an API path.
    provideRouter(routes, withHashLocation()),
  ],
};
