import { Injectable } from '@nestjs/common';

/** Returns null when healthy, or a short reason when not. */
export type ReadinessCheck = () => Promise<string | null> | string | null;

/**
 * Features register what must be true before the service takes traffic (database reachable,
 * models loaded, ...). /health/ready reports each one by name.
 */
@Injectable()
export class ReadinessService {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  entries(): [string, ReadinessCheck][] {
    return [...this.checks.entries()];
  }
}
