import { beforeFirst } from '../common/text';

/** Headers that carry credentials; pino's `redact` hides them on every logged request. */
export const REDACTED_REQUEST_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.query.api_key',
];

/**
 * A URL as it may be logged: the value of `api_key` replaced. pino's `redact` works on object
 * paths and cannot reach inside the URL string, so the request serialiser calls this.
 */
export function withoutApiKey(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const params = url
    .slice(query + 1)
    .split('&')
    .map((pair) => (decodeSafe(beforeFirst(pair, '=')).toLowerCase() === 'api_key' ? 'api_key=[Redacted]' : pair));
  return `${url.slice(0, query)}?${params.join('&')}`;
}

function decodeSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
