import { basename, dirname } from 'node:path';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
  UploadedFile,
  UseInterceptors,
  ValidationPipe,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import { MediaAccess, Submission } from '../security/access.decorators';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import type { Response } from 'express';
import { ApiError } from '../common/http-error';
import { DeprecationInterceptor } from './deprecation.interceptor';
import {
  JobListDto,
  JobResultsDto,
  JobStatusDto,
  JobSubmitDto,
  ListJobsQueryDto,
  PageQueryDto,
  SubmitJobDto,
} from './jobs.dto';
import { JobsService } from './jobs.service';
import { StorageProvider } from './storage.provider';
import { DatabaseReadyInterceptor } from '../database/database-ready.interceptor';

const LIST_LIMIT = 50;
const RESULTS_LIMIT = 100;

function messages(errors: ValidationError[]): string {
  return errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ') || 'invalid request';
}

const queryPipe = new ValidationPipe({
  transform: true,
  whitelist: true,
  exceptionFactory: (errors) => new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', messages(errors)),
});

const jobIdPipe = new ParseUUIDPipe({
  exceptionFactory: () => new ApiError(HttpStatus.BAD_REQUEST, 'invalid_job_id', 'job id must be a UUID'),
});

/** Video jobs; /v1/video/* is the deprecated spelling of /video/*. */
@ApiTags('video jobs')
@Controller(['video', 'v1/video'])
@UseInterceptors(DeprecationInterceptor, DatabaseReadyInterceptor)
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly storage: StorageProvider,
  ) {}

  @Post('submit')
  @Submission()
  @HttpCode(HttpStatus.ACCEPTED)
  @UseInterceptors(FileInterceptor('file'))
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: SubmitJobDto })
  @ApiResponse({ status: 202, type: JobSubmitDto })
  @ApiResponse({ status: 400, description: 'invalid_pipeline, validation_failed, bad_request (no file)' })
  @ApiResponse({ status: 413, description: 'payload_too_large: over UPLOAD_MAX_MB' })
  @ApiResponse({ status: 415, description: 'unsupported_media_type: the bytes are not a video' })
  async submit(@UploadedFile() file: Express.Multer.File | undefined, @Body() body: object): Promise<JobSubmitDto> {
    if (!file) throw new ApiError(HttpStatus.BAD_REQUEST, 'bad_request', 'multipart field "file" is required');
    try {
      const dto = plainToInstance(SubmitJobDto, body);
      const errors = await validate(dto, { whitelist: true });
      if (errors.length > 0) throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', messages(errors));
      const upload = { id: file.filename, path: file.path, originalName: file.originalname || null };
      return { job_id: await this.jobs.submit(upload, dto) };
    } catch (error) {
      await this.storage.remove(file.path);
      throw error;
    }
  }

  @Get('status/:id')
  @ApiOkResponse({ type: JobStatusDto })
  async status(@Param('id', jobIdPipe) id: string): Promise<JobStatusDto> {
    return (await this.jobs.status(id)) ?? notFound(id);
  }

  /** Before completion this answers the frames stored so far; `status` says whether more will come. */
  @Get('results/:id')
  @ApiOkResponse({ type: JobResultsDto })
  async results(@Param('id', jobIdPipe) id: string, @Query(queryPipe) query: PageQueryDto): Promise<JobResultsDto> {
    const page = await this.jobs.results(id, query.offset ?? 0, query.limit ?? RESULTS_LIMIT);
    return page ?? notFound(id);
  }

  /**
   * The original upload, for playing results back in sync. Served with HTTP range requests
   * (206 partial content), which browsers need to seek in a video.
   */
  @Get('jobs/:id/video')
  // <video src> cannot send headers: the key may come as ?api_key= (docs/SECURITY.md).
  @MediaAccess()
  @ApiResponse({ status: 200, description: 'The uploaded video; Range requests answer 206.' })
  async video(@Param('id', jobIdPipe) id: string, @Res() res: Response): Promise<void> {
    const file = await this.jobs.videoFile(id);
    const missing = () => new ApiError(HttpStatus.NOT_FOUND, 'job_not_found', `no video for job ${id}`);
    if (file === null) throw missing();
    // root + basename: `send` checks every path segment for dotfiles, so an absolute path under a
    // dot-directory DATA_DIR would 404. A file removed meanwhile (cancel, retention) is a 404 too,
    // never an error message carrying the server's path.
    await new Promise<void>((resolve, reject) =>
      res.sendFile(
        basename(file),
        { root: dirname(file), acceptRanges: true, headers: { 'Content-Type': 'video/mp4' } },
        (error) => (error && !res.headersSent ? reject(missing()) : resolve()),
      ),
    );
  }

  @Get('jobs')
  @ApiOkResponse({ type: JobListDto, description: 'Newest first.' })
  list(@Query(queryPipe) query: ListJobsQueryDto): Promise<JobListDto> {
    return this.jobs.list(query.status, query.offset ?? 0, query.limit ?? LIST_LIMIT);
  }

  @Delete('jobs/:id')
  @ApiResponse({ status: 200, type: JobStatusDto, description: 'A queued or running job, now cancelled.' })
  @ApiResponse({ status: 204, description: 'A finished job, now deleted.' })
  async remove(
    @Param('id', jobIdPipe) id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobStatusDto | undefined> {
    const outcome = await this.jobs.remove(id);
    if (outcome === null) notFound(id);
    if (outcome === 'deleted') {
      res.status(HttpStatus.NO_CONTENT);
      return undefined;
    }
    return (await this.jobs.status(id)) ?? undefined;
  }
}

function notFound(id: string): never {
  throw new ApiError(HttpStatus.NOT_FOUND, 'job_not_found', `no job ${id}`);
}
