import { parentPort, workerData } from 'node:worker_threads';
import { failureReply, type NumberedRequest, type WorkerReply } from './worker-protocol';

/**
 * The worker's side of `WorkerClient`: builds its state from `workerData`, says ready (or why not) as request 0,
 * then answers each request with `handle`. A request that throws is answered with the error; the thread lives on.
 */
export function serveRequests<S, Q extends { type: string }, R>(
  init: (data: unknown) => Promise<S>,
  handle: (state: S, req: Q) => Promise<R | void>,
): void {
  const port = parentPort;
  if (!port) throw new Error('serveRequests must run in a worker thread');
  void init(workerData).then(
    (state) => {
      port.on('message', (req: NumberedRequest<Q>) => {
        void handle(state, req).then(
          (result) => port.postMessage({ id: req.id, ok: true, result: result ?? undefined } satisfies WorkerReply<R>),
          (e: unknown) => port.postMessage(failureReply(req.id, e)),
        );
      });
      port.postMessage({ id: 0, ok: true } satisfies WorkerReply<R>);
    },
    (e: unknown) => port.postMessage(failureReply(0, e)),
  );
}
