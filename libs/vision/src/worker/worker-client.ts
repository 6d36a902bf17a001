import { Worker } from 'node:worker_threads';
import { extname, join } from 'node:path';
import { type NumberedRequest, type WorkerControl, type WorkerReply } from './worker-protocol';

/** How long a thread asked to stop may take before it is terminated anyway (a request stuck in native code). */
const STOP_WAIT_MS = 30_000;

type Pending<R> = { resolve: (result: R | undefined) => void; reject: (e: Error) => void };

/**
 * The parent's side of a worker thread that answers numbered requests (see `serveRequests`). onnxruntime-node runs
 * inference synchronously on the calling thread, so every model runs behind one of these and the server's event
 * loop only posts messages. Failures come back as errors of the same name (a RangeError stays a RangeError); a
 * worker that exits or crashes fails everything pending and every later call, and says why in `problem`.
 */
export class WorkerClient<Q extends { type: string }, R> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending<R>>();
  private dead: Error | null = null;
  private inFlight = 0;
  /** Called once when the thread dies on its own (crash, exit), never after close(). */
  private onDeath: ((e: Error) => void) | null = null;

  /** Settles when the thread has exited, for whatever reason. */
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    private readonly label: string,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
  }

  /**
   * Starts `<dir>/<name>.js` (compiled builds) or `<name>.ts` (tests and ts-node, compiled on the fly) with
   * `workerData`, and resolves once the worker says it is ready; rejects with the worker's start-up error.
   */
  static start<Q extends { type: string }, R>(
    dir: string,
    name: string,
    workerData: unknown,
    label: string,
  ): Promise<WorkerClient<Q, R>> {
    const fromSource = extname(__filename) === '.ts';
    const worker = new Worker(join(dir, `${name}${fromSource ? '.ts' : '.js'}`), {
      workerData,
      execArgv: fromSource ? ['--require', 'ts-node/register/transpile-only'] : [],
    });
    const client = new WorkerClient<Q, R>(worker, label);
    return new Promise((resolve, reject) => {
      client.pending.set(0, { resolve: () => resolve(client), reject });
      worker.on('message', (reply: WorkerReply<R>) => client.settle(reply));
      worker.on('error', (e) => client.fail(e));
      worker.on('exit', (code) => client.fail(new Error(`${label} exited with code ${code}`)));
    });
  }

  /** `handler` runs once if the thread dies on its own (not after close()): the owner may start a replacement. */
  whenDead(handler: (e: Error) => void): void {
    if (this.dead) {
      handler(this.dead);
      return;
    }
    this.onDeath = handler;
  }

  /**
   * Ends the thread at its next JavaScript turn (a model run in progress finishes first), as a crash would: pending
   * calls fail and `whenDead` handlers run.
   */
  async kill(): Promise<void> {
    await this.endThread({ control: 'exit', code: 1 });
  }

  /** Why the worker can no longer answer (it exited or crashed), or null while it can. */
  get problem(): string | null {
    return this.dead?.message ?? null;
  }

  /** Requests sent and not yet answered. */
  get load(): number {
    return this.inFlight;
  }

  call(req: Q, transfer: ArrayBuffer[] = []): Promise<R | undefined> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    this.inFlight++;
    return new Promise<R | undefined>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const message: NumberedRequest<Q> = { ...req, id };
      this.worker.postMessage(message, transfer);
    }).finally(() => this.inFlight--);
  }

  /** Sends `last` (for example a release of the worker's sessions), then ends the thread. */
  async close(last?: Q): Promise<void> {
    if (this.dead) return;
    try {
      if (last) await this.call(last);
    } finally {
      this.dead = new Error(`${this.label} released`);
      await this.endThread({ control: 'stop' });
    }
  }

  /**
   * Asks the thread to end itself (see WorkerControl for why not `terminate()`), and terminates it only if it has not
   * exited after STOP_WAIT_MS.
   */
  private async endThread(control: WorkerControl): Promise<void> {
    this.worker.postMessage(control);
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_WAIT_MS)));
    const timedOut = await Promise.race([this.exited.then(() => false), stuck]);
    clearTimeout(timer);
    if (timedOut) await this.worker.terminate();
  }

  private settle(reply: WorkerReply<R>): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (reply.ok) {
      p.resolve(reply.result);
      return;
    }
    p.reject(reply.name === 'RangeError' ? new RangeError(reply.message) : new Error(reply.message));
    if (reply.id === 0) void this.worker.terminate();
  }

  private fail(e: Error): void {
    const died = this.dead === null;
    if (died) this.dead = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    const handler = this.onDeath;
    this.onDeath = null;
    if (died && handler) handler(e);
  }
}
