import { HttpErrorResponse } from '@angular/common/http';
import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  type ElementRef,
  computed,
  inject,
  input,
  output,
  signal,
  viewChild,
} from '@angular/core';
import { isErrorBody, type PipelineInfo } from '@forgesyte/contracts';
import { type Subscription } from 'rxjs';
import { errorSentence } from '../shared/error-messages';
import { effectivePipeline } from '../shared/pipelines.service';
import { JobsApiService } from './jobs-api.service';
import { checkVideoFile } from './video-type';

/** Drop or pick an MP4, choose pipeline and sample rate, upload with a progress bar. */
@Component({
  selector: 'fs-job-upload',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form class="upload" aria-label="New video job" (submit)="$event.preventDefault(); upload()">
      <div
        class="drop"
        data-testid="drop-zone"
        [class.over]="dragOver()"
        (dragover)="$event.preventDefault(); dragOver.set(true)"
        (dragleave)="dragOver.set(false)"
        (drop)="onDrop($event)"
      >
        <p>Drop an MP4 here, or</p>
        <label>
          <span class="visually-hidden">Choose an MP4 video</span>
          <input
            #picker
            type="file"
            accept="video/mp4,video/quicktime,.mp4,.m4v,.mov"
            data-testid="job-file"
            (change)="choose(picker.files?.[0] ?? null)"
          />
        </label>
        @if (file(); as f) {
          <p class="chosen" data-testid="chosen-file">{{ f.name }} ({{ sizeLabel() }})</p>
        }
      </div>
      <div class="options">
        <label>
          Pipeline
          <select #pipeline data-testid="job-pipeline" (change)="pipelineId.set(pipeline.value)">
            @for (p of pipelines(); track p.id) {
              <option [value]="p.id" [selected]="p.id === selectedPipeline()">{{ p.id }}</option>
            }
          </select>
        </label>
        <label>
          Sample fps
          <input
            #fps
            type="number"
            min="0"
            max="60"
            step="0.5"
            placeholder="every frame"
            data-testid="job-fps"
            [value]="sampleFps() ?? ''"
            (change)="setFps(fps.value)"
            aria-describedby="fps-help"
          />
        </label>
        <span id="fps-help" class="help">Empty: every frame.</span>
        @if (tracking()) {
          @for (field of sceneFields; track field.name) {
            <label class="scene">
              {{ field.label }}
              <textarea
                #sceneText
                rows="2"
                [attr.data-testid]="'job-' + field.name"
                [placeholder]="field.example"
                (change)="field.value.set(sceneText.value)"
              ></textarea>
            </label>
          }
        }
        <button type="submit" class="primary" data-testid="upload" [disabled]="!canUpload()">Upload</button>
      </div>
      @if (progress() !== null) {
        <label class="progress">
          Upload
          <progress max="100" [value]="progress()" data-testid="upload-progress"></progress>
          <span>{{ progress()!.toFixed(0) }}%</span>
        </label>
      }
      @if (error(); as message) {
        <p class="error" role="alert" data-testid="upload-error">{{ message }}</p>
      }
    </form>
  `,
  styles: `
    .upload {
      display: grid;
      gap: 0.6rem;
    }
    .drop {
      border: 2px dashed #4a5866;
      border-radius: 8px;
      padding: 0.8rem 1rem;
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem 1rem;
      align-items: center;
    }
    .drop.over {
      border-color: var(--accent);
      background: #16324a;
    }
    .drop p {
      margin: 0;
    }
    .options {
      display: flex;
      flex-wrap: wrap;
      align-items: end;
      gap: 0.75rem;
    }
    .options label {
      display: flex;
      flex-direction: column;
      gap: 0.2rem;
      font-size: 0.9rem;
    }
    input[type='number'] {
      width: 7rem;
    }
    .scene textarea {
      width: 18rem;
      font-family: ui-monospace, monospace;
      font-size: 0.8rem;
    }
    .help {
      color: var(--muted);
      font-size: 0.85rem;
      padding-bottom: 0.4rem;
    }
    .progress {
      display: flex;
      gap: 0.5rem;
      align-items: center;
    }
    progress {
      flex: 1;
    }
    .error {
      margin: 0;
      color: #ffb3b3;
    }
  `,
})
export class JobUploadComponent {
  private readonly api = inject(JobsApiService);
  private readonly picker = viewChild.required<ElementRef<HTMLInputElement>>('picker');
  private uploading: Subscription | null = null;

  readonly pipelines = input.required<readonly PipelineInfo[]>();
  readonly submitted = output<string>();

  protected readonly file = signal<File | null>(null);
  protected readonly pipelineId = signal<string | null>(null);
  protected readonly sampleFps = signal<number | null>(2);
  protected readonly dragOver = signal(false);
  /** Tracking pipelines: JSON text of the lines and zones, sent as they are (the server validates them). */
  protected readonly lines = signal('');
  protected readonly zones = signal('');
  protected readonly sceneFields = [
    {
      name: 'lines',
      label: 'Lines (JSON)',
      value: this.lines,
      example: '[{"id": "door", "from": [0, 240], "to": [640, 240]}]',
    },
    {
      name: 'zones',
      label: 'Zones (JSON)',
      value: this.zones,
      example: '[{"id": "bay", "points": [[0, 0], [99, 0], [99, 99]]}]',
    },
  ] as const;
  protected readonly progress = signal<number | null>(null);
  protected readonly error = signal<string | null>(null);

  protected readonly selectedPipeline = computed(() => effectivePipeline(this.pipelines(), this.pipelineId()));
  protected readonly tracking = computed(
    () => this.pipelines().find((p) => p.id === this.selectedPipeline())?.tracking === true,
  );
  protected readonly canUpload = computed(
    () => this.file() !== null && this.selectedPipeline() !== null && this.progress() === null,
  );
  protected readonly sizeLabel = computed(() => {
    const size = this.file()?.size ?? 0;
    return size >= 1e6 ? `${(size / 1e6).toFixed(1)} MB` : `${Math.ceil(size / 1e3)} kB`;
  });

  constructor() {
    inject(DestroyRef).onDestroy(() => this.uploading?.unsubscribe());
  }

  protected onDrop(event: DragEvent): void {
    event.preventDefault();
    this.dragOver.set(false);
    void this.choose(event.dataTransfer?.files[0] ?? null);
  }

  protected async choose(file: File | null): Promise<void> {
    this.error.set(null);
    this.file.set(null);
    if (!file) return;
    const problem = await checkVideoFile(file);
    if (problem) this.error.set(problem);
    else this.file.set(file);
  }

  protected setFps(value: string): void {
    const fps = Number(value);
    this.sampleFps.set(value.trim() === '' || !Number.isFinite(fps) || fps <= 0 ? null : fps);
  }

  protected upload(): void {
    const file = this.file();
    const pipelineId = this.selectedPipeline();
    if (!file || !pipelineId || !this.canUpload()) return;
    this.error.set(null);
    this.progress.set(0);
    const scene = this.tracking() ? { lines: this.lines().trim(), zones: this.zones().trim() } : {};
    this.uploading = this.api.submit(file, pipelineId, this.sampleFps(), scene).subscribe({
      next: (event) => {
        if (event.kind === 'progress') this.progress.set(event.percent);
        else {
          this.progress.set(null);
          this.file.set(null);
          this.picker().nativeElement.value = '';
          this.submitted.emit(event.jobId);
        }
      },
      error: (error: unknown) => {
        this.progress.set(null);
        this.error.set(uploadErrorSentence(error));
      },
    });
  }
}

function uploadErrorSentence(error: unknown): string {
  if (error instanceof HttpErrorResponse) {
    if (isErrorBody(error.error)) {
      const sentence = errorSentence(error.error.error, error.error.detail);
      // Which line or zone is wrong, and why: the sentence alone cannot say.
      return error.error.error === 'invalid_geometry' ? `${sentence} ${error.error.detail}` : sentence;
    }
    if (error.status === 0) return 'The server could not be reached. Check the connection and upload again.';
    if (error.status === 413) return errorSentence('payload_too_large');
  }
  return 'The upload failed. Try again.';
}
