import { ChangeDetectionStrategy, Component, DestroyRef, inject, signal } from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { type CameraView, type PipelineInfo, type SceneGeometry } from '@forgesyte/contracts';
import { catchError, of, switchMap, timer } from 'rxjs';
import { HttpErrorResponse } from '@angular/common/http';
import { PipelinesService } from '../shared/pipelines.service';
import { CamerasApi } from './cameras-api.service';
import { CameraTileComponent } from './camera-tile.component';

const REFRESH_MS = 3000;

interface Draft {
  id: string | null;
  name: string;
  url: string;
  pipeline_id: string;
  fps: number;
}

const EMPTY_DRAFT: Draft = { id: null, name: '', url: '', pipeline_id: 'yolo', fps: 5 };

/** Add, edit and remove cameras; a grid of live tiles, one enlarged on click. */
@Component({
  selector: 'fs-cameras',
  imports: [CameraTileComponent],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2 class="visually-hidden">Cameras</h2>
    <form class="editor" (submit)="$event.preventDefault(); save()" data-testid="camera-form">
      <input
        #name
        placeholder="Name"
        required
        [value]="draft().name"
        (input)="patch({ name: name.value })"
        data-testid="camera-name"
      />
      <input
        #url
        placeholder="rtsp://user:password@host:554/stream"
        required
        size="40"
        [value]="draft().url"
        (input)="patch({ url: url.value })"
        data-testid="camera-url"
      />
      <select #pipeline (change)="patch({ pipeline_id: pipeline.value })" data-testid="camera-pipeline">
        @for (p of pipelines(); track p.id) {
          <option [value]="p.id" [selected]="p.id === draft().pipeline_id">{{ p.id }}</option>
        }
      </select>
      <label
        >fps
        <input
          #fps
          type="number"
          min="0.1"
          max="30"
          step="0.1"
          [value]="draft().fps"
          (input)="patch({ fps: fps.valueAsNumber })"
      /></label>
      <button type="submit" data-testid="camera-save">{{ draft().id ? 'Save' : 'Add camera' }}</button>
      @if (draft().id) {
        <button type="button" (click)="reset()">Cancel</button>
      }
    </form>
    @if (problem()) {
      <p role="alert" class="error" data-testid="camera-problem">{{ problem() }}</p>
    }
    <section class="grid" aria-label="Cameras">
      @for (camera of cameras(); track camera.id) {
        <div class="cell" [class.large]="enlarged() === camera.id">
          <fs-camera-tile
            [camera]="camera"
            [large]="enlarged() === camera.id"
            (toggle)="enlarged.set(enlarged() === camera.id ? null : camera.id)"
            (sceneChange)="saveScene(camera, $event)"
          />
          <div class="actions">
            <button type="button" (click)="edit(camera)">Edit</button>
            <button type="button" (click)="setEnabled(camera, !camera.enabled)">
              {{ camera.enabled ? 'Disable' : 'Enable' }}
            </button>
            <button type="button" (click)="remove(camera)" data-testid="camera-remove">Remove</button>
          </div>
        </div>
      } @empty {
        <p>No cameras yet: add one above (RTSP, or HTTP MJPEG).</p>
      }
    </section>
  `,
  styles: `
    .editor {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
      align-items: center;
    }
    .grid {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(320px, 1fr));
      gap: 1rem;
      margin-top: 1rem;
    }
    .cell.large {
      grid-column: 1 / -1;
    }
    .actions {
      display: flex;
      gap: 0.5rem;
      margin-top: 0.3rem;
    }
    .error {
      color: #ffb3b3;
    }
  `,
})
export class CamerasComponent {
  private readonly api = inject(CamerasApi);
  private readonly destroyRef = inject(DestroyRef);
  protected readonly pipelines = toSignal(
    inject(PipelinesService).pipelines$.pipe(catchError(() => of<PipelineInfo[]>([]))),
    { initialValue: [] },
  );
  protected readonly cameras = signal<CameraView[]>([]);
  protected readonly enlarged = signal<string | null>(null);
  protected readonly problem = signal<string | null>(null);
  protected readonly draft = signal<Draft>({ ...EMPTY_DRAFT });

  constructor() {
    timer(0, REFRESH_MS)
      .pipe(
        switchMap(() => this.api.list().pipe(catchError(() => of(null)))),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe((list) => {
        if (list !== null) this.cameras.set(list);
      });
  }

  protected save(): void {
    const { id, ...body } = this.draft();
    const request = id === null ? this.api.create(body) : this.api.update(id, body);
    request.subscribe({
      next: () => {
        this.problem.set(null);
        this.reset();
        this.reload();
      },
      error: (error: unknown) => this.problem.set(detailOf(error)),
    });
  }

  protected edit(camera: CameraView): void {
    // The masked URL goes back as it is: the server keeps the stored credentials.
    this.draft.set({
      id: camera.id,
      name: camera.name,
      url: camera.url,
      pipeline_id: camera.pipeline_id,
      fps: camera.fps,
    });
  }

  protected patch(change: Partial<Draft>): void {
    this.draft.update((d) => ({ ...d, ...change }));
  }

  protected reset(): void {
    this.draft.set({ ...EMPTY_DRAFT });
  }

  protected setEnabled(camera: CameraView, enabled: boolean): void {
    this.api
      .update(camera.id, { enabled })
      .subscribe({ next: () => this.reload(), error: (e: unknown) => this.problem.set(detailOf(e)) });
  }

  /** Lines and zones drawn on a tile: saved on the camera, which restarts their counts. */
  protected saveScene(camera: CameraView, scene: SceneGeometry): void {
    this.api.update(camera.id, scene).subscribe({
      next: () => {
        this.problem.set(null);
        this.reload();
      },
      error: (e: unknown) => this.problem.set(detailOf(e)),
    });
  }

  protected remove(camera: CameraView): void {
    this.api
      .remove(camera.id)
      .subscribe({ next: () => this.reload(), error: (e: unknown) => this.problem.set(detailOf(e)) });
  }

  private reload(): void {
    this.api.list().subscribe({ next: (list) => this.cameras.set(list), error: () => undefined });
  }
}

function detailOf(error: unknown): string {
  if (error instanceof HttpErrorResponse) {
    const body = error.error as { detail?: unknown } | null;
    if (body && typeof body.detail === 'string') return body.detail;
    return error.message;
  }
  return 'The request failed';
}
