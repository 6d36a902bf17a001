import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { type CameraView, type SceneGeometry } from '@forgesyte/contracts';
import { STREAM_ORIGIN, WEB_SOCKET_FACTORY } from '../shared/realtime-client.service';
import { fakeSocketFactory } from '../shared/testing/fake-web-socket';
import { CameraTileComponent } from './camera-tile.component';

const DOOR = { id: 'door', from: [400, 0], to: [400, 400] } as CameraView['lines'][number];

function view(change: Partial<CameraView> = {}): CameraView {
  return {
    id: '11111111-1111-4111-8111-111111111111',
    name: 'Door',
    url: 'rtsp://10.0.0.5/live',
    pipeline_id: 'yolo_track',
    fps: 5,
    enabled: true,
    status: 'streaming',
    last_frame_at: null,
    frames_processed: 0,
    reconnects: 0,
    last_error: null,
    owner: null,
    lines: [DOOR],
    zones: [],
    line_counts: [{ id: 'door', in: 5, out: 4 }],
    ...change,
  };
}

/** A result of an 800 x 400 camera frame, with counts. */
function result(counts: { in: number; out: number }) {
  return {
    camera_id: view().id,
    frame_index: 0,
    timestamp_ms: 1,
    result: {
      image: { width: 800, height: 400 },
      detections: [],
      texts: [],
      timings_ms: { decode: 0, inference: 1, postprocess: 0, total: 1 },
      lines: [{ id: 'door', ...counts }],
    },
  };
}

describe('CameraTileComponent', () => {
  let fixture: ComponentFixture<CameraTileComponent>;
  let sockets: ReturnType<typeof fakeSocketFactory>;
  let scenes: SceneGeometry[];
  let toggles: number;

  const q = <T extends Element>(selector: string) => (fixture.nativeElement as HTMLElement).querySelector<T>(selector);
  const canvas = () => q<HTMLCanvasElement>('canvas')!;
  /** A click on the canvas at client pixels; the canvas is shown at 400 x 200 from (0, 0). */
  const clickAt = (x: number, y: number) =>
    canvas().dispatchEvent(new MouseEvent('click', { clientX: x, clientY: y, bubbles: true }));

  beforeEach(() => {
    sockets = fakeSocketFactory();
    TestBed.configureTestingModule({
      imports: [CameraTileComponent],
      providers: [
        { provide: WEB_SOCKET_FACTORY, useValue: sockets.factory },
        { provide: STREAM_ORIGIN, useValue: 'ws://dash.test' },
      ],
    });
    fixture = TestBed.createComponent(CameraTileComponent);
    fixture.componentRef.setInput('camera', view());
    scenes = [];
    toggles = 0;
    fixture.componentInstance.sceneChange.subscribe((s) => scenes.push(s));
    fixture.componentInstance.toggle.subscribe(() => toggles++);
    fixture.detectChanges();
    jest.spyOn(canvas(), 'getBoundingClientRect').mockReturnValue({
      left: 0,
      top: 0,
      width: 400,
      height: 200,
      right: 400,
      bottom: 200,
      x: 0,
      y: 0,
      toJSON: () => ({}),
    });
  });

  afterEach(() => fixture.destroy());

  it('shows the heartbeat counts of the camera lines, then those of the latest result', () => {
    expect(q('[data-testid=camera-line-counts]')?.textContent).toContain('door: in 5 · out 4');
    sockets.last().serverSend(result({ in: 6, out: 4 }));
    fixture.detectChanges();
    expect(q('[data-testid=camera-line-counts]')?.textContent).toContain('door: in 6 · out 4');
  });

  it('shows no counts for a camera without lines', () => {
    fixture.componentRef.setInput('camera', view({ lines: [], line_counts: undefined }));
    fixture.detectChanges();
    expect(q('[data-testid=camera-line-counts]')).toBeNull();
    expect(q('[data-testid=camera-clear-scene]')).toBeNull();
  });

  it('enlarges on a click, and draws a line in the source pixels, keeping the saved ones', () => {
    clickAt(10, 10);
    expect(toggles).toBe(1);

    q<HTMLButtonElement>('[data-testid=camera-draw-line]')!.click();
    fixture.detectChanges();
    clickAt(100, 20);
    fixture.detectChanges();
    expect(q('[data-testid=camera-draw-problem]')?.textContent).toContain('first frame');

    sockets.last().serverSend(result({ in: 0, out: 0 }));
    clickAt(100, 20);
    clickAt(100, 180);
    expect(toggles).toBe(1);
    expect(scenes).toEqual([{ lines: [DOOR, { id: 'line1', from: [200, 40], to: [200, 360] }], zones: [] }]);
  });

  it('draws a zone closed with its button, and clears the scene', () => {
    sockets.last().serverSend(result({ in: 0, out: 0 }));
    q<HTMLButtonElement>('[data-testid=camera-draw-zone]')!.click();
    fixture.detectChanges();
    clickAt(0, 0);
    clickAt(200, 0);
    fixture.detectChanges();
    expect(q<HTMLButtonElement>('[data-testid=camera-close-zone]')!.disabled).toBe(true);
    clickAt(200, 100);
    fixture.detectChanges();
    q<HTMLButtonElement>('[data-testid=camera-close-zone]')!.click();
    expect(scenes.at(-1)).toEqual({
      lines: [DOOR],
      zones: [
        {
          id: 'zone1',
          points: [
            [0, 0],
            [400, 0],
            [400, 200],
          ],
        },
      ],
    });
    q<HTMLButtonElement>('[data-testid=camera-clear-scene]')!.click();
    expect(scenes.at(-1)).toEqual({ lines: [], zones: [] });
  });
});
