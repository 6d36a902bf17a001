import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { type PipelineInfo } from '@forgesyte/contracts';
import { ERROR_SENTENCES } from '../shared/error-messages';
import { STREAM_ORIGIN, WEB_SOCKET_FACTORY } from '../shared/realtime-client.service';
import { fakeSocketFactory } from '../shared/testing/fake-web-socket';
import { LiveComponent } from './live.component';

const PIPELINES: PipelineInfo[] = ['ocr', 'yolo', 'yolo_ocr', 'yolo_track'].map((id) => ({
  id,
  description: id,
  models: [],
  classes: [],
  input_size: { width: 416, height: 416 },
  frame_size: id.includes('ocr') ? { width: 1280, height: 1280 } : { width: 416, height: 416 },
  ...(id === 'yolo_track' ? { tracking: true as const } : {}),
}));

describe('LiveComponent', () => {
  let fixture: ComponentFixture<LiveComponent>;
  let http: HttpTestingController;
  let sockets: ReturnType<typeof fakeSocketFactory>;
  let getUserMedia: jest.Mock;
  let stoppedTracks: number;

  const el = () => fixture.nativeElement as HTMLElement;
  const q = <T extends Element>(selector: string) => el().querySelector<T>(selector);
  const stable = async () => {
    await fixture.whenStable();
    fixture.detectChanges();
  };

  beforeEach(async () => {
    sockets = fakeSocketFactory();
    stoppedTracks = 0;
    getUserMedia = jest.fn().mockResolvedValue({ getTracks: () => [{ stop: () => stoppedTracks++ }] });
    Object.defineProperty(navigator, 'mediaDevices', { value: { getUserMedia }, configurable: true });
    jest.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue();
    jest.spyOn(HTMLMediaElement.prototype, 'pause').mockImplementation(() => undefined);
    TestBed.configureTestingModule({
      imports: [LiveComponent],
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: WEB_SOCKET_FACTORY, useValue: sockets.factory },
        { provide: STREAM_ORIGIN, useValue: 'ws://dash.test' },
      ],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(LiveComponent);
    fixture.detectChanges();
    http.expectOne('/pipelines').flush({ pipelines: PIPELINES });
    await stable();
  });

  afterEach(() => {
    fixture.destroy();
    jest.restoreAllMocks();
  });

  async function start(): Promise<void> {
    q<HTMLButtonElement>('[data-testid=start]')!.click();
    await stable();
  }

  it('offers the server pipelines with yolo chosen, and labels its controls', () => {
    const select = q<HTMLSelectElement>('[data-testid=pipeline-select]')!;
    expect([...select.options].map((o) => o.value)).toEqual(['ocr', 'yolo', 'yolo_ocr', 'yolo_track']);
    expect(select.value).toBe('yolo');
    expect(select.closest('label')?.textContent).toContain('Pipeline');
    expect(q<HTMLButtonElement>('[data-testid=start]')!.disabled).toBe(false);
    for (const control of el().querySelectorAll('input, select')) {
      expect(control.closest('label')).not.toBeNull();
    }
  });

  it('streams the camera to the chosen pipeline and stops it again', async () => {
    await start();
    expect(getUserMedia).toHaveBeenCalledWith({
      video: { width: { ideal: 640 }, height: { ideal: 480 } },
      audio: false,
    });
    expect(sockets.last().url).toBe('ws://dash.test/ws/video/stream?pipeline_id=yolo');
    sockets.last().serverOpen();
    await stable();
    expect(q('[data-testid=stop]')).not.toBeNull();

    q<HTMLButtonElement>('[data-testid=stop]')!.click();
    await stable();
    expect(sockets.last().closedWith?.code).toBe(1000);
    expect(stoppedTracks).toBe(1);
    expect(q('[data-testid=start]')).not.toBeNull();
  });

  it('asks the camera for frames as large as the pipeline reads, and at least the display size', async () => {
    const select = q<HTMLSelectElement>('[data-testid=pipeline-select]')!;
    select.value = 'ocr';
    select.dispatchEvent(new Event('change'));
    await stable();
    await start();
    expect(getUserMedia).toHaveBeenCalledWith({
      video: { width: { ideal: 1280 }, height: { ideal: 1280 } },
      audio: false,
    });
  });

  it('offers drawing lines and zones only on a tracking pipeline, with a hint otherwise', async () => {
    expect(q('[data-testid=scene-hint]')?.textContent).toContain('tracking pipeline');
    expect(q('[data-testid=apply-scene]')).toBeNull();
    const select = q<HTMLSelectElement>('[data-testid=pipeline-select]')!;
    select.value = 'yolo_track';
    select.dispatchEvent(new Event('change'));
    await stable();
    expect(q('[data-testid=scene-hint]')).toBeNull();
    expect(q<HTMLInputElement>('[data-testid=shape-id]')!.value).toBe('line1');
    const shape = q<HTMLSelectElement>('[data-testid=shape-select]')!;
    shape.value = 'zone';
    shape.dispatchEvent(new Event('change'));
    await stable();
    expect(q<HTMLInputElement>('[data-testid=shape-id]')!.value).toBe('zone1');
    expect(q<HTMLButtonElement>('[data-testid=close-zone]')!.disabled).toBe(true);
    await start();
    expect(sockets.last().url).toBe('ws://dash.test/ws/video/stream?pipeline_id=yolo_track');
  });

  it('reconnects when the pipeline changes while streaming', async () => {
    await start();
    sockets.last().serverOpen();
    const select = q<HTMLSelectElement>('[data-testid=pipeline-select]')!;
    select.value = 'ocr';
    select.dispatchEvent(new Event('change'));
    await stable();
    expect(sockets.sockets).toHaveLength(2);
    expect(sockets.sockets[0]?.closedWith?.code).toBe(1000);
    expect(sockets.last().url).toContain('pipeline_id=ocr');
  });

  it('lowers the frame size of a stream under load, but never that of a tracking stream', async () => {
    const slowDowns = async (n: number) => {
      for (let i = 0; i < n; i++) sockets.last().serverSend({ warning: 'slow_down', suggested_fps: 1, drop_rate: 0.5 });
      await stable();
      return q('[data-testid=send-rate]')!.textContent.replace(/\s+/g, ' ').trim();
    };
    q<HTMLButtonElement>('[data-testid=panel-toggle]')!.click();
    await start();
    sockets.last().serverOpen();
    expect(await slowDowns(2)).toBe('2 fps of 10, 75% size');

    const select = q<HTMLSelectElement>('[data-testid=pipeline-select]')!;
    select.value = 'yolo_track';
    select.dispatchEvent(new Event('change'));
    await stable();
    sockets.last().serverOpen();
    expect(await slowDowns(3)).toBe('2 fps of 10, 100% size');
  });

  it('shows the sentence for a server error and retries on request', async () => {
    await start();
    sockets.last().serverOpen();
    sockets.last().serverSend({ error: 'server_busy', detail: 'Too many sessions (4)' });
    sockets.last().serverClose(1013);
    await stable();
    const banner = q('[data-testid=error-banner]')!;
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.textContent).toContain(ERROR_SENTENCES.server_busy);
    expect(banner.textContent).toContain('Too many sessions (4)');

    banner.querySelector('button')!.click();
    await stable();
    expect(sockets.sockets).toHaveLength(2);
    sockets.last().serverOpen();
    await stable();
    expect(q('[data-testid=error-banner]')).toBeNull();
  });

  it('says it is reconnecting after a network loss', async () => {
    await start();
    sockets.last().serverOpen();
    sockets.last().serverClose(1006);
    await stable();
    const banner = q('[data-testid=error-banner]')!;
    expect(banner.textContent).toContain('The connection to the server was lost.');
    expect(banner.textContent).toContain('Reconnecting (attempt 1)');
    expect(banner.getAttribute('data-code')).toBe('network');
  });

  it('explains a refused camera', async () => {
    getUserMedia.mockRejectedValue(new DOMException('denied', 'NotAllowedError'));
    await start();
    expect(q('[data-testid=error-banner]')!.textContent).toContain('Camera access was refused');
    expect(sockets.sockets).toHaveLength(0);
  });

  it('toggles the stream panel with its state announced', async () => {
    const toggle = q<HTMLButtonElement>('[data-testid=panel-toggle]')!;
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    toggle.click();
    await stable();
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(q('#stream-panel')).not.toBeNull();
    expect(q('[data-testid=connection-status]')!.textContent).toBe('idle');
    await start();
    sockets.last().serverOpen();
    await stable();
    expect(q('[data-testid=connection-status]')!.textContent).toBe('open');
    expect(q('fs-latency-chart svg')!.getAttribute('aria-label')).toContain('no round trips yet');
  });

  it('needs a file before streaming from the video file source', async () => {
    q<HTMLInputElement>('input[value=file]')!.click();
    await stable();
    expect(q('[data-testid=live-file]')).not.toBeNull();
    expect(q<HTMLButtonElement>('[data-testid=start]')!.disabled).toBe(true);
  });
});
