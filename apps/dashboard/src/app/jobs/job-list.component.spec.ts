import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { JobListComponent } from './job-list.component';
import { job } from '../shared/testing/jobs';

describe('JobListComponent', () => {
  let fixture: ComponentFixture<JobListComponent>;
  const el = () => fixture.nativeElement as HTMLElement;

  beforeEach(async () => {
    fixture = TestBed.createComponent(JobListComponent);
    const failed = { ...job('c', 'failed', 10), error: 'ffmpeg exited with code 1' };
    fixture.componentRef.setInput('jobs', [job('a', 'running', 42), job('b', 'completed', 100), failed]);
    fixture.componentRef.setInput('selectedId', 'b');
    await fixture.whenStable();
  });

  it('shows status, progress and the actions each status allows', () => {
    const rows = [...el().querySelectorAll('tbody tr')];
    expect(rows.map((r) => r.getAttribute('data-status'))).toEqual(['running', 'completed', 'failed']);
    expect(rows[0]?.querySelector('progress')!.value).toBe(42);
    expect(rows[0]?.textContent).toContain('42 / 100');
    expect(rows[0]?.querySelector('[data-testid=cancel-job]')).not.toBeNull();
    expect(rows[0]?.querySelector('[data-testid=view-job]')).toBeNull();
    expect(rows[1]?.querySelector('[data-testid=view-job]')).not.toBeNull();
    expect(rows[1]?.classList).toContain('selected');
    expect(rows[2]?.textContent).toContain('ffmpeg exited with code 1');
    expect(rows[2]?.querySelector('[data-testid=delete-job]')).not.toBeNull();
  });

  it('emits the job id of each action', () => {
    const events: string[] = [];
    fixture.componentInstance.view.subscribe((id) => events.push(`view ${id}`));
    fixture.componentInstance.cancel.subscribe((id) => events.push(`cancel ${id}`));
    fixture.componentInstance.remove.subscribe((id) => events.push(`remove ${id}`));
    el().querySelector<HTMLButtonElement>('[data-job-id=a] [data-testid=cancel-job]')!.click();
    el().querySelector<HTMLButtonElement>('[data-job-id=b] [data-testid=view-job]')!.click();
    el().querySelector<HTMLButtonElement>('[data-job-id=c] [data-testid=delete-job]')!.click();
    expect(events).toEqual(['cancel a', 'view b', 'remove c']);
  });

  it('says when there are no jobs', async () => {
    fixture.componentRef.setInput('jobs', []);
    await fixture.whenStable();
    expect(el().textContent).toContain('No jobs yet');
  });
});
