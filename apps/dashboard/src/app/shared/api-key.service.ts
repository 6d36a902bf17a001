import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { Injectable, Injector, inject, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';

export const API_KEY_STORAGE_KEY = 'forgesyte.api_key';

/** What a probe after a refused WebSocket found out. */
export type AccessProbeResult = 'new_key' | 'unauthorized' | 'other';

/** The dialog's state: null while closed; `refused` when a key was just turned down. */
export interface KeyPrompt {
  refused: boolean;
}

/**
 * The API key of this browser session: asked for on the first 401, kept in sessionStorage (gone
 * when the tab closes), sent as a header on REST calls (apiKeyInterceptor) and as `?api_key=` on
 * the WebSocket and media URLs, which browsers cannot give headers. A later 401 asks again.
 */
@Injectable({ providedIn: 'root' })
export class ApiKeyService {
  private readonly injector = inject(Injector);
  private readonly keySignal = signal<string | null>(readStored());
  private readonly promptSignal = signal<KeyPrompt | null>(null);
  private waiting: ((key: string | null) => void)[] = [];

  readonly key = this.keySignal.asReadonly();
  readonly prompt = this.promptSignal.asReadonly();

  /**
   * After a 401 sent with `refused` (null: no key was sent): the key to retry with, or null when
   * the operator declined. Requests failing together share one dialog; a key entered since the
   * refused request was sent is used without asking.
   */
  requestKey(refused: string | null): Promise<string | null> {
    const current = this.keySignal();
    if (current !== null && current !== refused) return Promise.resolve(current);
    if (refused !== null) this.store(null);
    if (this.promptSignal() === null) this.promptSignal.set({ refused: refused !== null });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** The dialog's answer. */
  submit(key: string): void {
    const trimmed = key.trim();
    if (trimmed === '') return;
    this.store(trimmed);
    this.settle(trimmed);
  }

  cancel(): void {
    this.settle(null);
  }

  /** A media or WebSocket URL with the key as `?api_key=` (unchanged when there is no key). */
  withKey(url: string): string {
    const key = this.keySignal();
    if (key === null) return url;
    return `${url}${url.includes('?') ? '&' : '?'}api_key=${encodeURIComponent(key)}`;
  }

  /**
   * A browser sees only close 1006 when the server refuses an upgrade, so a socket that closed
   * before it opened asks `GET /pipelines`: a 401 there goes through apiKeyInterceptor, which asks
   * for a key and retries.
   */
  async probe(): Promise<AccessProbeResult> {
    const before = this.keySignal();
    try {
      await firstValueFrom(this.injector.get(HttpClient).get('/pipelines'));
    } catch (error) {
      return error instanceof HttpErrorResponse && error.status === 401 ? 'unauthorized' : 'other';
    }
    return this.keySignal() !== before ? 'new_key' : 'other';
  }

  private settle(key: string | null): void {
    this.promptSignal.set(null);
    for (const resolve of this.waiting.splice(0)) resolve(key);
  }

  private store(key: string | null): void {
    this.keySignal.set(key);
    try {
      if (key === null) sessionStorage.removeItem(API_KEY_STORAGE_KEY);
      else sessionStorage.setItem(API_KEY_STORAGE_KEY, key);
    } catch {
      // Storage disabled: the key lives as long as the page.
    }
  }
}

function readStored(): string | null {
  try {
    return sessionStorage.getItem(API_KEY_STORAGE_KEY);
  } catch {
    return null;
  }
}
