import { Module } from '@nestjs/common';
import { Clock, SystemClock } from '../common/clock';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { PipelineModule } from '../pipeline/pipeline.module';
import { CameraBus, MemoryCameraBus, RedisCameraBus } from './camera-bus';
import { CameraSourceProvider, FfmpegCameraSource } from './camera-source';
import { CameraUrlPolicy } from './camera-url';
import { CameraViewers } from './camera-viewers';
import { CamerasController } from './cameras.controller';
import { CamerasGateway } from './cameras.gateway';
import { cameraMetricProviders, CamerasMetrics } from './cameras.metrics';
import { CamerasRepository } from './cameras.repository';
import { CamerasService } from './cameras.service';
import { CamerasSupervisor } from './cameras.supervisor';

/** Cameras the server pulls (RTSP, HTTP), shared across processes by leases. See docs/CAMERAS.md. */
@Module({
  imports: [PipelineModule],
  controllers: [CamerasController],
  providers: [
    CamerasRepository,
    CamerasService,
    CamerasSupervisor,
    CameraViewers,
    CamerasGateway,
    ...cameraMetricProviders,
    CamerasMetrics,
    { provide: Clock, useClass: SystemClock },
    { provide: CameraSourceProvider, useClass: FfmpegCameraSource },
    {
      provide: CameraUrlPolicy,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => new CameraUrlPolicy(c.CAMERAS_ALLOW_FILES, c.CAMERAS_URL_ALLOW),
    },
    {
      provide: CameraBus,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig): CameraBus =>
        c.REDIS_URL ? new RedisCameraBus(c.REDIS_URL, c.REDIS_KEY_PREFIX) : new MemoryCameraBus(),
    },
  ],
  exports: [CamerasSupervisor],
})
export class CamerasModule {}
