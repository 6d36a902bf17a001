/** The pipeline id is not one of the pipelines loaded at start-up. */
export class UnknownPipelineError extends Error {
  constructor(readonly pipelineId: string) {
    super(`unknown pipeline '${pipelineId}'`);
    this.name = 'UnknownPipelineError';
  }
}

/** The bytes do not decode as an image, or the image has more pixels than allowed. */
export class InvalidImageError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'InvalidImageError';
  }
}

/** Live work only: the shared scheduler has no free slot and its live queue is full. Thrown at once. */
export class SchedulerSaturatedError extends Error {
  constructor() {
    super('the inference scheduler is saturated');
    this.name = 'SchedulerSaturatedError';
  }
}

/** The caller went away (a live client disconnected) before its work got a slot: the work never ran. */
export class WorkCancelledError extends Error {
  constructor() {
    super('the work was cancelled before it started');
    this.name = 'WorkCancelledError';
  }
}

/** Lines or zones that do not parse, or that the pipeline cannot count (it has no track node). */
export class InvalidGeometryError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'InvalidGeometryError';
  }
}
