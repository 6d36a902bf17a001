import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  Allow,
  IsBoolean,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import {
  CAMERA_STATUSES,
  type CameraCreateRequest,
  type CameraListResponse,
  type CameraStatus,
  type CameraUpdateRequest,
  type CameraView,
  type LineCount,
  type LineSpec,
  type SceneGeometry,
  type ZoneSpec,
} from '@forgesyte/contracts';
import type { SceneState } from '@forgesyte/vision';
import type { CameraEntity } from './camera.entity';
import { maskUrl } from './camera-url';

/** An array of JSON objects in the OpenAPI document (their shape: libs/contracts/src/scene.ts, docs/API.md). */
const OBJECTS = { type: 'array', items: { type: 'object' } } as const;

/** Frames per second a camera is analysed at when the request does not say. */
export const DEFAULT_CAMERA_FPS = 5;

export class CreateCameraDto implements CameraCreateRequest {
  @ApiProperty({ example: 'Gate', maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({
    example: 'rtsp://user:pass@10.0.0.5:554/stream1',
    description:
      'rtsp://, rtsps://, http(s):// MJPEG or another network source ffmpeg opens; `?transport=udp` on RTSP picks UDP. ' +
      'On PATCH, sending back the masked URL keeps the stored credentials.',
  })
  @IsString()
  @MaxLength(2000)
  url!: string;

  @ApiProperty({ example: 'yolo' })
  @IsString()
  @Matches(/^[a-z0-9_]{1,64}$/, { message: 'pipeline_id must be a pipeline id such as yolo' })
  pipeline_id!: string;

  @ApiPropertyOptional({ example: 5, minimum: 0.1, maximum: 30, default: DEFAULT_CAMERA_FPS })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'fps must be a number' })
  @Min(0.1)
  @Max(30)
  fps?: number;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  // Checked by parseSceneGeometry in the service, so every geometry problem is one `invalid_geometry`.
  @ApiPropertyOptional({
    ...OBJECTS,
    example: [{ id: 'door', from: [320, 0], to: [320, 480], classes: ['person'] }],
    description:
      'Tracking pipelines only: counting lines in the source pixels (as for jobs and streams). ' +
      'On PATCH, new lines or zones restart the counts.',
  })
  @Allow()
  lines?: LineSpec[];

  @ApiPropertyOptional({
    ...OBJECTS,
    example: [
      {
        id: 'bay',
        points: [
          [0, 300],
          [200, 300],
          [200, 480],
          [0, 480],
        ],
      },
    ],
    description: 'Tracking pipelines only: zones in the source pixels.',
  })
  @Allow()
  zones?: ZoneSpec[];
}

/** Any subset of the fields of a new camera. */
export class UpdateCameraDto extends PartialType(CreateCameraDto) implements CameraUpdateRequest {}

export class CameraDto implements CameraView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Credentials masked: rtsp://user:***@host/...' }) url!: string;
  @ApiProperty() pipeline_id!: string;
  @ApiProperty() fps!: number;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ enum: CAMERA_STATUSES }) status!: CameraStatus;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_frame_at!: string | null;
  @ApiProperty() frames_processed!: number;
  @ApiProperty() reconnects!: number;
  @ApiProperty({ nullable: true, type: String }) last_error!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Lease owner of the holding process.' })
  owner!: string | null;
  @ApiProperty({ ...OBJECTS, description: 'Counting lines (tracking pipelines); empty without any.' })
  lines!: LineSpec[];
  @ApiProperty({ ...OBJECTS, description: 'Zones (tracking pipelines); empty without any.' }) zones!: ZoneSpec[];
  @ApiPropertyOptional({
    ...OBJECTS,
    description: 'Cameras with lines: cumulative {id, in, out} as of the last heartbeat.',
  })
  line_counts?: LineCount[];
}

export class CameraListDto implements CameraListResponse {
  @ApiProperty({ type: [CameraDto] }) cameras!: CameraDto[];
}

/** A camera as the API shows it: the one mapping from the stored row to the wire. */
export function mapCamera(camera: CameraEntity, now: number): CameraDto {
  const held = camera.leaseOwner !== null && (camera.leaseExpiresAt ?? 0) >= now;
  // A holder that died leaves its last status behind until another claims the camera.
  const status: CameraStatus = !camera.enabled ? 'stopped' : held ? camera.status : 'waiting';
  return {
    id: camera.id,
    name: camera.name,
    url: maskUrl(camera.url),
    pipeline_id: camera.pipelineId,
    fps: camera.fps,
    enabled: camera.enabled,
    status,
    last_frame_at: camera.lastFrameAt === null ? null : new Date(camera.lastFrameAt).toISOString(),
    frames_processed: camera.framesProcessed,
    reconnects: camera.reconnects,
    last_error: camera.lastError,
    owner: held ? camera.leaseOwner : null,
    ...sceneView(camera),
  };
}

/** The camera's stored geometry, none when null. */
export function cameraGeometry(camera: Pick<CameraEntity, 'sceneGeometry'>): SceneGeometry {
  return camera.sceneGeometry ? (JSON.parse(camera.sceneGeometry) as SceneGeometry) : { lines: [], zones: [] };
}

function sceneView(camera: CameraEntity): Pick<CameraView, 'lines' | 'zones' | 'line_counts'> {
  const { lines, zones } = cameraGeometry(camera);
  if (lines.length === 0) return { lines, zones };
  const stored = camera.sceneState ? (JSON.parse(camera.sceneState) as SceneState).lines : [];
  const line_counts = lines.map(({ id }) => {
    const count = stored.find((c) => c.id === id);
    return { id, in: count?.in ?? 0, out: count?.out ?? 0 };
  });
  return { lines, zones, line_counts };
}
