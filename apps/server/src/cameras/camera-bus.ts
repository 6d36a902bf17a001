import { EventEmitter } from 'node:events';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import type { CameraResultMessage, CameraStatusEvent } from '@forgesyte/contracts';
import { errorMessage } from '../common/error-message';

/** One analysed frame: the message viewers get, and the frame itself as JPEG (for `?frames=1` and snapshots). */
export interface CameraFrameEvent {
  kind: 'result';
  message: CameraResultMessage;
  jpeg: Buffer;
}

export interface CameraStatusBusEvent {
  kind: 'status';
  message: CameraStatusEvent;
}

export type CameraBusEvent = CameraFrameEvent | CameraStatusBusEvent;
export type CameraListener = (event: CameraBusEvent) => void;

/**
 * Carries what the process holding a camera produces to every process serving its viewers, and
 * tells every process when the set of cameras changed. In memory for one process; on Redis
 * pub/sub (REDIS_URL) for several.
 */
export abstract class CameraBus {
  abstract publish(cameraId: string, event: CameraBusEvent): void;
  /** Returns the unsubscribe function. */
  abstract subscribe(cameraId: string, listener: CameraListener): () => void;
  /** The latest analysed frame of the camera, wherever it is held. */
  abstract snapshot(cameraId: string): Promise<CameraFrameEvent | null>;
  /** The camera was deleted: its snapshot goes. */
  abstract forget(cameraId: string): void;
  /** Cameras were added, edited or deleted: every process's supervisor looks again at once. */
  abstract announceChange(): void;
  abstract onChange(listener: () => void): void;
}

/** Encoding of a bus event on Redis: 4-byte header length, the JSON header, the JPEG bytes. */
export function encodeEvent(event: CameraBusEvent): Buffer {
  const header = Buffer.from(JSON.stringify({ kind: event.kind, message: event.message }));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length);
  return Buffer.concat([length, header, event.kind === 'result' ? event.jpeg : Buffer.alloc(0)]);
}

export function decodeEvent(bytes: Buffer): CameraBusEvent | null {
  if (bytes.length < 4) return null;
  const length = bytes.readUInt32BE(0);
  if (bytes.length < 4 + length) return null;
  try {
    const header = JSON.parse(bytes.subarray(4, 4 + length).toString()) as { kind: string; message: unknown };
    if (header.kind === 'status') return { kind: 'status', message: header.message as CameraStatusEvent };
    if (header.kind === 'result') {
      return { kind: 'result', message: header.message as CameraResultMessage, jpeg: bytes.subarray(4 + length) };
    }
  } catch {
    // not ours
  }
  return null;
}

/** One process: everything stays in memory. */
export class MemoryCameraBus extends CameraBus {
  private readonly events = new EventEmitter().setMaxListeners(0);
  private readonly latest = new Map<string, CameraFrameEvent>();

  publish(cameraId: string, event: CameraBusEvent): void {
    if (event.kind === 'result') this.latest.set(cameraId, event);
    this.events.emit(cameraId, event);
  }

  subscribe(cameraId: string, listener: CameraListener): () => void {
    this.events.on(cameraId, listener);
    return () => this.events.off(cameraId, listener);
  }

  snapshot(cameraId: string): Promise<CameraFrameEvent | null> {
    return Promise.resolve(this.latest.get(cameraId) ?? null);
  }

  forget(cameraId: string): void {
    this.latest.delete(cameraId);
  }

  announceChange(): void {
    this.events.emit('\0change');
  }

  onChange(listener: () => void): void {
    this.events.on('\0change', listener);
  }
}

/** Snapshots outlive a holder's death by this much, then a viewer sees no_frame_yet again. */
const SNAPSHOT_TTL_MS = 60_000;

/**
 * Several processes: Redis pub/sub, one channel per camera under REDIS_KEY_PREFIX, and the latest
 * frame in a key with a TTL. Publishing never queues while Redis is away (frames are dropped,
 * never buffered); subscriptions are restored by ioredis when it reconnects.
 */
export class RedisCameraBus extends CameraBus implements OnApplicationShutdown {
  private readonly logger = new Logger('Cameras');
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly local = new MemoryCameraBus();
  private readonly counts = new Map<string, number>();
  private readonly changeListeners: (() => void)[] = [];
  private warned = false;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    super();
    const options = { maxRetriesPerRequest: 2, lazyConnect: false };
    this.pub = new Redis(url, { ...options, enableOfflineQueue: false });
    this.sub = new Redis(url, options);
    for (const client of [this.pub, this.sub]) {
      client.on('error', (error: Error) => {
        if (this.warned) return;
        this.warned = true;
        this.logger.warn({ event: 'redis_unavailable', error: errorMessage(error) });
      });
      client.on('ready', () => (this.warned = false));
    }
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.dispatch(channel.toString(), message));
    void this.sub.subscribe(this.changeChannel).catch(() => undefined);
  }

  private channel(cameraId: string): string {
    return `${this.prefix}camera:${cameraId}`;
  }

  private get changeChannel(): string {
    return `${this.prefix}cameras:changed`;
  }

  private dispatch(channel: string, message: Buffer): void {
    if (channel === this.changeChannel) {
      for (const listener of this.changeListeners) listener();
      return;
    }
    const event = decodeEvent(message);
    if (event) this.local.publish(channel.slice(`${this.prefix}camera:`.length), event);
  }

  publish(cameraId: string, event: CameraBusEvent): void {
    const bytes = encodeEvent(event);
    const sent =
      event.kind === 'result'
        ? this.pub
            .multi()
            .publish(this.channel(cameraId), bytes)
            .set(`${this.channel(cameraId)}:snapshot`, bytes, 'PX', SNAPSHOT_TTL_MS)
            .exec()
        : this.pub.publish(this.channel(cameraId), bytes);
    // Redis away: this frame is lost, like a dropped one; the holder keeps going.
    (sent as Promise<unknown>).catch(() => undefined);
  }

  subscribe(cameraId: string, listener: CameraListener): () => void {
    const held = this.counts.get(cameraId) ?? 0;
    this.counts.set(cameraId, held + 1);
    if (held === 0) void this.sub.subscribe(this.channel(cameraId)).catch(() => undefined);
    const off = this.local.subscribe(cameraId, listener);
    return () => {
      off();
      const left = (this.counts.get(cameraId) ?? 1) - 1;
      if (left > 0) {
        this.counts.set(cameraId, left);
        return;
      }
      this.counts.delete(cameraId);
      void this.sub.unsubscribe(this.channel(cameraId)).catch(() => undefined);
    };
  }

  async snapshot(cameraId: string): Promise<CameraFrameEvent | null> {
    const bytes = await this.pub.getBuffer(`${this.channel(cameraId)}:snapshot`).catch(() => null);
    const event = bytes ? decodeEvent(bytes) : null;
    return event?.kind === 'result' ? event : null;
  }

  forget(cameraId: string): void {
    this.pub.del(`${this.channel(cameraId)}:snapshot`).catch(() => undefined);
  }

  announceChange(): void {
    this.pub.publish(this.changeChannel, '1').catch(() => undefined);
  }

  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  onApplicationShutdown(): void {
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
