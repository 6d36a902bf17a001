import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { type PipelineInfo, type PipelinesResponse } from '@forgesyte/contracts';
import { type Observable, map, shareReplay } from 'rxjs';

/** The pipeline to use: the operator's choice while the server has it, else `yolo`, else the first. */
export function effectivePipeline(pipelines: readonly PipelineInfo[], chosen: string | null): string | null {
  const ids = pipelines.map((p) => p.id);
  if (chosen && ids.includes(chosen)) return chosen;
  return ids.includes('yolo') ? 'yolo' : (ids[0] ?? null);
}

/** `GET /pipelines`, fetched once per page load: pipelines are loaded at server start-up. */
@Injectable({ providedIn: 'root' })
export class PipelinesService {
  private readonly http = inject(HttpClient);

  readonly pipelines$: Observable<PipelineInfo[]> = this.http.get<PipelinesResponse>('/pipelines').pipe(
    map((body) => body.pipelines),
    shareReplay({ bufferSize: 1, refCount: false }),
  );
}
