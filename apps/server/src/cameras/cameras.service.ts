import { randomUUID } from 'node:crypto';
import { HttpStatus, Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ApiError } from '../common/http-error';
import { PipelineService } from '../pipeline/pipeline.service';
import { checkedGeometry } from '../pipeline/scene-geometry';
import { CameraBus, type CameraFrameEvent } from './camera-bus';
import { CameraUrlPolicy, mergeUrl } from './camera-url';
import {
  cameraGeometry,
  DEFAULT_CAMERA_FPS,
  mapCamera,
  type CameraDto,
  type CreateCameraDto,
  type UpdateCameraDto,
} from './cameras.dto';
import { CamerasRepository, type CameraChanges } from './cameras.repository';
import { CamerasSupervisor } from './cameras.supervisor';

/** Camera CRUD: validates, stores, and tells the supervisors (this process's and the others) at once. */
@Injectable()
export class CamerasService {
  constructor(
    private readonly repository: CamerasRepository,
    private readonly pipeline: PipelineService,
    private readonly policy: CameraUrlPolicy,
    private readonly supervisor: CamerasSupervisor,
    private readonly bus: CameraBus,
    private readonly clock: Clock,
  ) {}

  async create(body: CreateCameraDto): Promise<CameraDto> {
    await this.check(body);
    const sceneGeometry = checkedGeometry(this.pipeline, body.pipeline_id, body);
    const row = await this.repository.insert({
      id: randomUUID(),
      name: body.name,
      url: body.url,
      pipelineId: body.pipeline_id,
      fps: body.fps ?? DEFAULT_CAMERA_FPS,
      enabled: body.enabled ?? true,
      createdAt: this.clock.now(),
      sceneGeometry,
    });
    this.changed();
    return mapCamera(row, this.clock.now());
  }

  async list(): Promise<CameraDto[]> {
    const now = this.clock.now();
    return (await this.repository.list()).map((c) => mapCamera(c, now));
  }

  async get(id: string): Promise<CameraDto> {
    const row = await this.repository.find(id);
    if (!row) throw notFound(id);
    return mapCamera(row, this.clock.now());
  }

  async update(id: string, body: UpdateCameraDto): Promise<CameraDto> {
    const stored = await this.repository.find(id);
    if (!stored) throw notFound(id);
    const url = body.url === undefined ? undefined : mergeUrl(stored.url, body.url);
    await this.check({ ...body, url });
    const changes: CameraChanges = {};
    if (body.name !== undefined) changes.name = body.name;
    if (url !== undefined && url !== stored.url) changes.url = url;
    if (body.pipeline_id !== undefined && body.pipeline_id !== stored.pipelineId) changes.pipelineId = body.pipeline_id;
    if (body.fps !== undefined && body.fps !== stored.fps) changes.fps = body.fps;
    if (body.enabled !== undefined && body.enabled !== stored.enabled) changes.enabled = body.enabled;
    if (body.lines !== undefined || body.zones !== undefined || changes.pipelineId !== undefined) {
      const current = cameraGeometry(stored);
      const geometry = checkedGeometry(this.pipeline, body.pipeline_id ?? stored.pipelineId, {
        // null or [] clears them.
        lines: body.lines !== undefined ? body.lines : current.lines,
        zones: body.zones !== undefined ? body.zones : current.zones,
      });
      // New lines or zones start counting afresh; the same ones sent back change nothing.
      if (geometry !== stored.sceneGeometry) Object.assign(changes, { sceneGeometry: geometry, sceneState: null });
    }
    const restarts = Object.keys(changes).some((k) => k !== 'name');
    // Stopped before the edit, while this process still holds the lease, so its last counts are kept.
    if (restarts) await this.supervisor.drop(id);
    const row = await this.repository.update(id, changes);
    if (!row) throw notFound(id);
    if (restarts) {
      if (changes.enabled === false) this.bus.publish(id, statusEvent('stopped', 'disabled'));
      this.changed();
    }
    return mapCamera(row, this.clock.now());
  }

  async remove(id: string): Promise<void> {
    if (!(await this.repository.remove(id))) throw notFound(id);
    await this.supervisor.drop(id);
    this.bus.publish(id, statusEvent('stopped', 'deleted'));
    this.bus.forget(id);
    this.changed();
  }

  async snapshot(id: string): Promise<CameraFrameEvent> {
    if (!(await this.repository.find(id))) throw notFound(id);
    const frame = await this.bus.snapshot(id);
    if (!frame) throw new ApiError(HttpStatus.NOT_FOUND, 'no_frame_yet', `camera ${id} has no analysed frame yet`);
    return frame;
  }

  async exists(id: string): Promise<boolean> {
    return (await this.repository.find(id)) !== null;
  }

  private changed(): void {
    this.supervisor.wake();
    this.bus.announceChange();
  }

  private async check(body: UpdateCameraDto): Promise<void> {
    if (body.pipeline_id !== undefined && !this.pipeline.isValidPipeline(body.pipeline_id)) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'invalid_pipeline', `Unknown pipeline_id: ${body.pipeline_id}`);
    }
    if (body.url !== undefined) {
      const problem = await this.policy.problem(body.url);
      if (problem !== null) throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', problem);
    }
  }
}

function statusEvent(status: 'stopped', detail: string) {
  return { kind: 'status' as const, message: { event: 'camera_status' as const, status, detail } };
}

export function notFound(id: string): ApiError {
  return new ApiError(HttpStatus.NOT_FOUND, 'camera_not_found', `no camera ${id}`);
}
