import { HttpStatus } from '@nestjs/common';
import { hasGeometry, parseSceneGeometry } from '@forgesyte/contracts';
import { ApiError } from '../common/http-error';
import { InvalidGeometryError } from './pipeline.errors';
import type { PipelineService } from './pipeline.service';

/**
 * Lines and zones given over REST (job fields, camera fields) as the JSON to store, null without any; 400
 * `invalid_geometry` when they are malformed, name a class the pipeline does not detect, or the pipeline does not
 * track.
 */
export function checkedGeometry(
  pipeline: Pick<PipelineService, 'createScene'>,
  pipelineId: string,
  input: { lines?: unknown; zones?: unknown },
): string | null {
  const parsed = parseSceneGeometry(input);
  if (!parsed.ok) throw new ApiError(HttpStatus.BAD_REQUEST, 'invalid_geometry', parsed.detail);
  try {
    pipeline.createScene(pipelineId, parsed.geometry);
  } catch (error) {
    if (error instanceof InvalidGeometryError) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'invalid_geometry', error.message);
    }
    throw error;
  }
  return hasGeometry(parsed.geometry) ? JSON.stringify(parsed.geometry) : null;
}
