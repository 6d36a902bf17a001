import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { errorMessage } from '../common/error-message';

/**
 * The configured API keys: API_KEYS (comma-separated) and API_KEYS_FILE (one key a line, blank
 * lines and `#` comments ignored), the union of both. Read once at start-up; an unreadable file
 * stops the process with a message naming the variable.
 */
export function loadApiKeys(config: { API_KEYS: string[]; API_KEYS_FILE?: string }): string[] {
  const keys = new Set(config.API_KEYS);
  if (config.API_KEYS_FILE !== undefined) {
    let text: string;
    try {
      text = readFileSync(config.API_KEYS_FILE, 'utf8');
    } catch (error) {
      throw new Error(`API_KEYS_FILE=${config.API_KEYS_FILE} cannot be read: ${errorMessage(error)}`);
    }
    for (const line of text.split(/\r?\n/)) {
      const key = line.trim();
      if (key !== '' && !key.startsWith('#')) keys.add(key);
    }
  }
  return [...keys];
}

/**
 * Matches a presented key against the configured ones in constant time: both sides are hashed to
 * 32 bytes (so lengths leak nothing) and every key is compared, whichever matches.
 */
export class KeyRing {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  get size(): number {
    return this.digests.length;
  }

  matches(candidate: string | undefined): boolean {
    if (candidate === undefined || candidate === '') return false;
    const presented = digest(candidate);
    let found = false;
    for (const key of this.digests) found = timingSafeEqual(key, presented) || found;
    return found;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
