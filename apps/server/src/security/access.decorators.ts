import { SetMetadata } from '@nestjs/common';

export const ACCESS_METADATA = 'forgesyte:access';

/**
 * How a route is protected when API keys are configured. `key` (the default, no decorator):
 * an API key in a header. `media`: also `?api_key=`, for URLs a browser loads in <video> or <img>,
 * which cannot send headers. `metrics`: open unless METRICS_REQUIRE_KEY. `open`: never needs a key
 * and is never rate limited (probes).
 */
export type RouteAccess = 'key' | 'media' | 'metrics' | 'open';

/** Probes: no key, no rate limit. */
export const OpenAccess = (): ClassDecorator & MethodDecorator => SetMetadata(ACCESS_METADATA, 'open');
/** A URL for browser media elements: the key may come as `?api_key=`. */
export const MediaAccess = (): ClassDecorator & MethodDecorator => SetMetadata(ACCESS_METADATA, 'media');
/** /metrics: open for scrapers unless METRICS_REQUIRE_KEY; never rate limited. */
export const MetricsAccess = (): ClassDecorator & MethodDecorator => SetMetadata(ACCESS_METADATA, 'metrics');

export const SUBMISSION_METADATA = 'forgesyte:submission';

/** A route that starts costly work (a job): the stricter RATE_LIMIT_SUBMISSIONS applies too. */
export const Submission = (): MethodDecorator => SetMetadata(SUBMISSION_METADATA, true);
