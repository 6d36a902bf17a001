import { HttpClient, HttpErrorResponse, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { ApiKeyDialogComponent } from './api-key-dialog.component';
import { apiKeyInterceptor } from './api-key.interceptor';
import { API_KEY_STORAGE_KEY, ApiKeyService } from './api-key.service';

function setup() {
  TestBed.configureTestingModule({
    providers: [provideHttpClient(withInterceptors([apiKeyInterceptor])), provideHttpClientTesting()],
  });
  return {
    http: TestBed.inject(HttpClient),
    backend: TestBed.inject(HttpTestingController),
    keys: TestBed.inject(ApiKeyService),
  };
}

const UNAUTHORIZED = { status: 401, statusText: 'Unauthorized' };
const BODY = { error: 'unauthorized', detail: 'An API key is required' };

describe('API key: interceptor, service and dialog', () => {
  beforeEach(() => sessionStorage.clear());
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('sends no header without a key; on 401 asks once, keeps the key for the session and retries', async () => {
    const { http, backend, keys } = setup();
    const bodies: unknown[] = [];
    http.get('/pipelines').subscribe((b) => bodies.push(b));
    http.get('/video/jobs').subscribe((b) => bodies.push(b));
    const first = backend.expectOne('/pipelines');
    const second = backend.expectOne('/video/jobs');
    expect(first.request.headers.has('Authorization')).toBe(false);
    first.flush(BODY, UNAUTHORIZED);
    second.flush(BODY, UNAUTHORIZED);
    expect(keys.prompt()).toEqual({ refused: false });

    keys.submit('  s3cret ');
    await new Promise((r) => setTimeout(r));
    const retried = backend.match(() => true);
    expect(retried).toHaveLength(2);
    for (const r of retried) expect(r.request.headers.get('Authorization')).toBe('Bearer s3cret');
    retried.forEach((r, i) => r.flush({ n: i }));
    expect(bodies).toEqual([{ n: 0 }, { n: 1 }]);
    expect(keys.prompt()).toBeNull();
    expect(sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBe('s3cret');
    expect(keys.withKey('/video/jobs/1/video')).toBe('/video/jobs/1/video?api_key=s3cret');
    expect(keys.withKey('ws://h/ws?pipeline_id=yolo')).toBe('ws://h/ws?pipeline_id=yolo&api_key=s3cret');

    // the next request carries it without asking
    http.get('/pipelines').subscribe();
    expect(backend.expectOne('/pipelines').request.headers.get('Authorization')).toBe('Bearer s3cret');
  });

  it('asks again while the key entered is refused', async () => {
    const { http, backend, keys } = setup();
    const bodies: unknown[] = [];
    http.get('/pipelines').subscribe((b) => bodies.push(b));
    backend.expectOne('/pipelines').flush(BODY, UNAUTHORIZED);
    keys.submit('typo');
    await new Promise((r) => setTimeout(r));
    const wrong = backend.expectOne('/pipelines');
    expect(wrong.request.headers.get('Authorization')).toBe('Bearer typo');
    wrong.flush(BODY, UNAUTHORIZED);
    expect(keys.prompt()).toEqual({ refused: true });
    keys.submit('right');
    await new Promise((r) => setTimeout(r));
    backend.expectOne('/pipelines').flush({ ok: true });
    expect(bodies).toEqual([{ ok: true }]);
  });

  it('asks again when a stored key is refused later, and gives up with the 401 when cancelled', async () => {
    sessionStorage.setItem(API_KEY_STORAGE_KEY, 'old');
    const { http, backend, keys } = setup();
    let failure: unknown;
    http.get('/pipelines').subscribe({ error: (e: unknown) => (failure = e) });
    const request = backend.expectOne('/pipelines');
    expect(request.request.headers.get('Authorization')).toBe('Bearer old');
    request.flush(BODY, UNAUTHORIZED);
    expect(keys.prompt()).toEqual({ refused: true });
    expect(keys.key()).toBeNull();
    expect(sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBeNull();

    keys.cancel();
    await new Promise((r) => setTimeout(r));
    expect(failure).toBeInstanceOf(HttpErrorResponse);
    expect((failure as HttpErrorResponse).status).toBe(401);
    expect(keys.withKey('/x')).toBe('/x');
  });

  it('probe: a 401 answered with a key reports new_key; a declined prompt reports unauthorized', async () => {
    const { backend, keys } = setup();
    const probed = keys.probe();
    backend.expectOne('/pipelines').flush(BODY, UNAUTHORIZED);
    keys.submit('k1');
    await new Promise((r) => setTimeout(r));
    backend.expectOne('/pipelines').flush({ pipelines: [] });
    await expect(probed).resolves.toBe('new_key');

    const declined = keys.probe();
    backend.expectOne('/pipelines').flush(BODY, UNAUTHORIZED);
    keys.cancel();
    await expect(declined).resolves.toBe('unauthorized');

    const open = keys.probe();
    backend.expectOne('/pipelines').flush({ pipelines: [] });
    await expect(open).resolves.toBe('other');
  });

  it('shows the dialog while a key is asked for and submits what was typed', async () => {
    const { keys } = setup();
    const fixture = TestBed.createComponent(ApiKeyDialogComponent);
    const el = fixture.nativeElement as HTMLElement;
    fixture.detectChanges();
    expect(el.querySelector('[data-testid=api-key-dialog]')).toBeNull();

    const answer = keys.requestKey(null);
    await fixture.whenStable();
    fixture.detectChanges();
    expect(el.querySelector('[data-testid=api-key-dialog]')?.textContent).toContain('API key required');
    const input = el.querySelector<HTMLInputElement>('[data-testid=api-key-input]')!;
    input.value = 'typed-key';
    el.querySelector<HTMLButtonElement>('[data-testid=api-key-submit]')!.click();
    await expect(answer).resolves.toBe('typed-key');
    await fixture.whenStable();
    fixture.detectChanges();
    expect(el.querySelector('[data-testid=api-key-dialog]')).toBeNull();
  });
});
