import { parentPort, workerData } from 'node:worker_threads';
import { failureReply, type NumberedRequest, type WorkerControl, type WorkerReply } from './worker-protocol';

/**
 * The worker's side of `WorkerClient`: builds its state from `workerData`, says ready (or why not) as request 0,
 * then answers each request with `handle`. A request that throws is answered with the error; the thread lives on.
 * A `WorkerControl` message ends the thread from the inside (see worker-protocol.ts).
 */
export function serveRequests<S, Q extends { type: string }, R>(
  init: (data: unknown) => Promise<S>,
  handle: (state: S, req: Q) => Promise<R | void>,
): void {
  const port = parentPort;
  if (!port) throw new Error('serveRequests must run in a worker thread');
  void init(workerData).then(
    (state) => {
      let running = 0;
      let stopping = false;
      const exitIfStopped = () => {
        if (stopping && running === 0) process.exit(0);
      };
      port.on('message', (req: NumberedRequest<Q> | WorkerControl) => {
        if ('control' in req) {
          if (req.control === 'exit') process.exit(req.code);
          stopping = true;
          exitIfStopped();
          return;
        }
        running++;
        void handle(state, req)
          .then(
            (result) =>
              port.postMessage({ id: req.id, ok: true, result: result ?? undefined } satisfies WorkerReply<R>),
            (e: unknown) => port.postMessage(failureReply(req.id, e)),
          )
          .finally(() => {
            running--;
            exitIfStopped();
          });
      });
      port.postMessage({ id: 0, ok: true } satisfies WorkerReply<R>);
    },
    (e: unknown) => port.postMessage(failureReply(0, e)),
  );
}
