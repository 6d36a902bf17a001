import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * A new lease-owner string for this process: `host:pid:random`. Jobs and cameras write it into their leases and
 * show it as `owner`; the pid part tells an operator (and the tests) which process holds what.
 */
export function newLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}
