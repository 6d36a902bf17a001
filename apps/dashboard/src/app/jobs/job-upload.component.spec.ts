import { HttpEventType, provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PipelineInfo } from '@forgesyte/contracts';
import { JobUploadComponent } from './job-upload.component';

const MEDIA = join(__dirname, '../../../../../../shared/media');
const PIPELINES = ['ocr', 'yolo', 'yolo_track'].map((id): PipelineInfo => ({
  id,
  description: id,
  models: [],
  classes: [],
  input_size: { width: 416, height: 416 },
  frame_size: { width: 416, height: 416 },
  ...(id === 'yolo_track' ? { tracking: true as const } : {}),
}));

describe('JobUploadComponent', () => {
  let fixture: ComponentFixture<JobUploadComponent>;
  let http: HttpTestingController;
  let submitted: string[];
  const el = () => fixture.nativeElement as HTMLElement;
  const q = <T extends Element>(selector: string) => el().querySelector<T>(selector)!;
  const stable = async () => {
    await fixture.whenStable();
    fixture.detectChanges();
  };

  beforeEach(async () => {
    TestBed.configureTestingModule({
      imports: [JobUploadComponent],
      providers: [provideHttpClient(), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(JobUploadComponent);
    fixture.componentRef.setInput('pipelines', PIPELINES);
    submitted = [];
    fixture.componentInstance.submitted.subscribe((id) => submitted.push(id));
    await stable();
  });

  afterEach(() => http.verify());

  async function pick(file: File): Promise<void> {
    const input = q<HTMLInputElement>('[data-testid=job-file]');
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    input.dispatchEvent(new Event('change'));
    // The type check reads the file's first bytes asynchronously: wait for its verdict.
    for (let i = 0; i < 200; i++) {
      await stable();
      if (el().querySelector('[data-testid=chosen-file], [data-testid=upload-error]')) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('the file check gave no verdict');
  }

  it('refuses a file that is not an MP4 before uploading anything', async () => {
    await pick(new File([readFileSync(join(MEDIA, 'bus.jpg'))], 'bus.jpg', { type: 'image/jpeg' }));
    expect(q('[data-testid=upload-error]').textContent).toContain('not an MP4');
    expect(q<HTMLButtonElement>('[data-testid=upload]').disabled).toBe(true);
  });

  it('uploads pipeline, fps and file with a progress bar, then reports the job id', async () => {
    const bytes = readFileSync(join(MEDIA, 'one-by-one-person-detection.mp4'));
    await pick(new File([bytes], 'people.mp4', { type: 'video/mp4' }));
    expect(q('[data-testid=chosen-file]').textContent).toContain('people.mp4 (3.3 MB)');

    const fps = q<HTMLInputElement>('[data-testid=job-fps]');
    fps.value = '5';
    fps.dispatchEvent(new Event('change'));
    q<HTMLFormElement>('form').dispatchEvent(new Event('submit'));
    await stable();

    const req = http.expectOne('/video/submit');
    expect(req.request.method).toBe('POST');
    expect(req.request.reportProgress).toBe(true);
    const body = req.request.body as FormData;
    expect(body.get('pipeline_id')).toBe('yolo');
    expect(body.get('fps')).toBe('5');
    expect((body.get('file') as File).name).toBe('people.mp4');

    req.event({ type: HttpEventType.UploadProgress, loaded: bytes.length / 4, total: bytes.length });
    await stable();
    expect(q<HTMLProgressElement>('[data-testid=upload-progress]').value).toBe(25);
    expect(q<HTMLButtonElement>('[data-testid=upload]').disabled).toBe(true);

    req.flush({ job_id: '4b1f0a52-4a55-4f4a-9d7e-3b0b6b0c2f11' }, { status: 202, statusText: 'Accepted' });
    await stable();
    expect(submitted).toEqual(['4b1f0a52-4a55-4f4a-9d7e-3b0b6b0c2f11']);
    expect(el().querySelector('[data-testid=upload-progress]')).toBeNull();
  });

  it('shows the server refusal as a sentence', async () => {
    await pick(new File([readFileSync(join(MEDIA, 'one-by-one-person-detection.mp4')).subarray(0, 64)], 'x.mp4'));
    q<HTMLFormElement>('form').dispatchEvent(new Event('submit'));
    http
      .expectOne('/video/submit')
      .flush(
        { error: 'unsupported_media_type', detail: 'ffmpeg cannot read it' },
        { status: 415, statusText: 'Unsupported' },
      );
    await stable();
    expect(q('[data-testid=upload-error]').textContent).toContain('not a video the server can read');
  });

  it('sends the lines and zones of a tracking pipeline as multipart fields and shows why the server refused them', async () => {
    expect(el().querySelector('[data-testid=job-lines]')).toBeNull();
    const select = q<HTMLSelectElement>('[data-testid=job-pipeline]');
    select.value = 'yolo_track';
    select.dispatchEvent(new Event('change'));
    await stable();
    await pick(new File([readFileSync(join(MEDIA, 'one-by-one-person-detection.mp4')).subarray(0, 64)], 'x.mp4'));
    const lines = '[{"id": "door", "from": [0, 240], "to": [640, 240]}]';
    const linesInput = q<HTMLTextAreaElement>('[data-testid=job-lines]');
    linesInput.value = lines;
    linesInput.dispatchEvent(new Event('change'));
    q<HTMLFormElement>('form').dispatchEvent(new Event('submit'));
    const req = http.expectOne('/video/submit');
    const body = req.request.body as FormData;
    expect(body.get('pipeline_id')).toBe('yolo_track');
    expect(body.get('lines')).toBe(lines);
    expect(body.has('zones')).toBe(false);
    req.flush(
      { error: 'invalid_geometry', detail: 'lines[0].from: must be two finite numbers' },
      { status: 400, statusText: 'Bad Request' },
    );
    await stable();
    const error = q('[data-testid=upload-error]').textContent ?? '';
    expect(error).toContain('The lines or zones are not valid');
    expect(error).toContain('lines[0].from: must be two finite numbers');
  });
});
