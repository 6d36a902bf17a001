import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { type PipelineInfo, type PipelinesResponse } from '@forgesyte/contracts';
import { Observable, map, shareReplay } from 'rxjs';

/** `GET /pipelines`, fetched once per page load: pipelines are loaded at server start-up. */
@Injectable({ providedIn: 'root' })
export class PipelinesService {
  private readonly http = inject(HttpClient);

  readonly pipelines$: Observable<PipelineInfo[]> = this.http.get<PipelinesResponse>('/pipelines').pipe(
    map((body) => body.pipelines),
    shareReplay({ bufferSize: 1, refCount: false }),
  );
}
