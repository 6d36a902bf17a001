import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Res,
  UseInterceptors,
  ValidationPipe,
} from '@nestjs/common';
import { ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { ValidationError } from 'class-validator';
import type { Response } from 'express';
import { ApiError } from '../common/http-error';
import { DatabaseReadyInterceptor } from '../database/database-ready.interceptor';
import { MediaAccess } from '../security/access.decorators';
import { CameraDto, CameraListDto, CreateCameraDto, UpdateCameraDto } from './cameras.dto';
import { CamerasService, notFound } from './cameras.service';

function messages(errors: ValidationError[]): string {
  const own = errors.flatMap((e) => Object.values(e.constraints ?? {}));
  return own.join('; ') || 'invalid request';
}

const bodyPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  exceptionFactory: (errors) => new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', messages(errors)),
});

// An id that is not a UUID names no camera: the same 404 as an unknown one.
const cameraIdPipe = new ParseUUIDPipe({ exceptionFactory: () => notFound('with that id') });

/** Cameras the server pulls and analyses; see docs/CAMERAS.md. */
@ApiTags('cameras')
@Controller('cameras')
@UseInterceptors(DatabaseReadyInterceptor)
export class CamerasController {
  constructor(private readonly cameras: CamerasService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiResponse({ status: 201, type: CameraDto })
  @ApiResponse({ status: 400, description: 'validation_failed (naming the rule), invalid_pipeline' })
  create(@Body(bodyPipe) body: CreateCameraDto): Promise<CameraDto> {
    return this.cameras.create(body);
  }

  @Get()
  @ApiOkResponse({ type: CameraListDto })
  async list(): Promise<CameraListDto> {
    return { cameras: await this.cameras.list() };
  }

  @Get(':id')
  @ApiOkResponse({ type: CameraDto })
  @ApiResponse({ status: 404, description: 'camera_not_found' })
  get(@Param('id', cameraIdPipe) id: string): Promise<CameraDto> {
    return this.cameras.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: CameraDto })
  @ApiResponse({ status: 404, description: 'camera_not_found' })
  update(@Param('id', cameraIdPipe) id: string, @Body(bodyPipe) body: UpdateCameraDto): Promise<CameraDto> {
    return this.cameras.update(id, body);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiResponse({ status: 204, description: 'Deleted; its ffmpeg is stopped.' })
  @ApiResponse({ status: 404, description: 'camera_not_found' })
  async remove(@Param('id', cameraIdPipe) id: string): Promise<void> {
    await this.cameras.remove(id);
  }

  /** The latest analysed frame (scaled to the pipeline's input size), for an <img> or a poll. */
  @Get(':id/snapshot')
  @MediaAccess()
  @ApiResponse({ status: 200, description: 'image/jpeg with X-Frame-Index and X-Timestamp-Ms' })
  @ApiResponse({ status: 404, description: 'camera_not_found, no_frame_yet' })
  async snapshot(@Param('id', cameraIdPipe) id: string, @Res() res: Response): Promise<void> {
    const frame = await this.cameras.snapshot(id);
    res
      .status(200)
      .set({
        'Content-Type': 'image/jpeg',
        'Cache-Control': 'no-store',
        'X-Frame-Index': String(frame.message.frame_index),
        'X-Timestamp-Ms': String(frame.message.timestamp_ms),
      })
      .end(frame.jpeg);
  }
}
