import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { type PipelineInfo } from '@forgesyte/contracts';
import { catchError, of } from 'rxjs';
import { PipelinesService } from '../shared/pipelines.service';
import { JobListComponent } from './job-list.component';
import { JobUploadComponent } from './job-upload.component';
import { JobViewerComponent } from './job-viewer.component';
import { JobsStore } from './jobs.store';

/** Upload videos, watch their jobs progress, and review the results of finished ones. */
@Component({
  selector: 'fs-jobs',
  imports: [JobUploadComponent, JobListComponent, JobViewerComponent],
  providers: [JobsStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2 class="visually-hidden">Video jobs</h2>
    <fs-job-upload [pipelines]="pipelines()" (submitted)="onSubmitted($event)" />
    @if (store.loadFailed()) {
      <p role="alert" class="error">The job list could not be loaded; retrying.</p>
    }
    <section class="list" aria-label="Jobs">
      <fs-job-list
        [jobs]="store.jobs()"
        [selectedId]="viewing()"
        (view)="viewing.set($event)"
        (cancel)="store.cancel($event)"
        (remove)="remove($event)"
      />
    </section>
    @if (viewing(); as jobId) {
      <fs-job-viewer [jobId]="jobId" />
    }
  `,
  styles: `
    .list {
      margin-top: 1rem;
    }
    .error {
      color: #ffb3b3;
    }
  `,
})
export class JobsComponent {
  protected readonly store = inject(JobsStore);
  protected readonly pipelines = toSignal(
    inject(PipelinesService).pipelines$.pipe(catchError(() => of<PipelineInfo[]>([]))),
    { initialValue: [] },
  );
  protected readonly viewing = signal<string | null>(null);

  constructor() {
    this.store.refresh();
  }

  protected onSubmitted(_jobId: string): void {
    this.store.refresh();
  }

  protected remove(jobId: string): void {
    if (this.viewing() === jobId) this.viewing.set(null);
    this.store.remove(jobId);
  }
}
