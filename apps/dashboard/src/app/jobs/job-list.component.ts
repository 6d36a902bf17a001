import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { type JobStatusResponse } from '@forgesyte/contracts';
import { isActive } from './jobs.store';

/** Jobs, newest first, with status, progress and the actions each status allows. */
@Component({
  selector: 'fs-job-list',
  imports: [DatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <table data-testid="job-list">
      <caption class="visually-hidden">
        Video jobs
      </caption>
      <thead>
        <tr>
          <th scope="col">Created</th>
          <th scope="col">Pipeline</th>
          <th scope="col">Status</th>
          <th scope="col">Progress</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        @for (job of jobs(); track job.job_id) {
          <tr
            [attr.data-job-id]="job.job_id"
            [attr.data-status]="job.status"
            [class.selected]="job.job_id === selectedId()"
          >
            <td>{{ job.created_at | date: 'short' }}</td>
            <td>{{ job.pipeline_id }}</td>
            <td>
              <span class="status" [attr.data-status]="job.status">{{ job.status }}</span>
              @if (job.error) {
                <span class="job-error">{{ job.error }}</span>
              }
            </td>
            <td>
              <div class="progress-cell">
                <progress
                  max="100"
                  [value]="job.progress.percent"
                  [attr.aria-label]="'Progress of job ' + job.job_id"
                ></progress>
                <span>{{ job.progress.frames_processed }} / {{ job.progress.frames_total || '?' }}</span>
              </div>
            </td>
            <td class="actions">
              @if (job.status === 'completed') {
                <button type="button" data-testid="view-job" (click)="view.emit(job.job_id)">View results</button>
              }
              @if (active(job)) {
                <button type="button" data-testid="cancel-job" (click)="cancel.emit(job.job_id)">Cancel</button>
              } @else {
                <button type="button" data-testid="delete-job" (click)="remove.emit(job.job_id)">Delete</button>
              }
            </td>
          </tr>
        } @empty {
          <tr>
            <td colspan="5" class="empty">No jobs yet. Upload a video above.</td>
          </tr>
        }
      </tbody>
    </table>
  `,
  styles: `
    table {
      width: 100%;
      border-collapse: collapse;
      font-size: 0.9rem;
    }
    th,
    td {
      text-align: left;
      padding: 0.35rem 0.5rem;
      border-bottom: 1px solid #2c3641;
    }
    th {
      color: var(--muted);
      font-weight: 600;
    }
    tr.selected {
      background: #1d2a36;
    }
    .status[data-status='completed'] {
      color: var(--ok);
    }
    .status[data-status='failed'] {
      color: var(--danger);
    }
    .job-error {
      display: block;
      color: #ffb3b3;
      font-size: 0.8rem;
    }
    .progress-cell {
      display: flex;
      gap: 0.5rem;
      align-items: center;
    }
    .actions {
      white-space: nowrap;
    }
    .actions button + button {
      margin-left: 0.4rem;
    }
    .empty {
      color: var(--muted);
    }
  `,
})
export class JobListComponent {
  readonly jobs = input.required<readonly JobStatusResponse[]>();
  readonly selectedId = input<string | null>(null);
  readonly view = output<string>();
  readonly cancel = output<string>();
  readonly remove = output<string>();

  protected active(job: JobStatusResponse): boolean {
    return isActive(job);
  }
}
