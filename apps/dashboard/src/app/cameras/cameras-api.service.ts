import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import {
  type CameraCreateRequest,
  type CameraListResponse,
  type CameraUpdateRequest,
  type CameraView,
} from '@forgesyte/contracts';
import { type Observable, map } from 'rxjs';

/** The cameras REST API. */
@Injectable({ providedIn: 'root' })
export class CamerasApi {
  private readonly http = inject(HttpClient);

  list(): Observable<CameraView[]> {
    return this.http.get<CameraListResponse>('/cameras').pipe(map((body) => body.cameras));
  }

  create(body: CameraCreateRequest): Observable<CameraView> {
    return this.http.post<CameraView>('/cameras', body);
  }

  /** Sending back the masked URL keeps the stored credentials. */
  update(id: string, body: CameraUpdateRequest): Observable<CameraView> {
    return this.http.patch<CameraView>(`/cameras/${encodeURIComponent(id)}`, body);
  }

  remove(id: string): Observable<unknown> {
    return this.http.delete(`/cameras/${encodeURIComponent(id)}`);
  }
}
