/** Every request to a worker thread carries an id; the answer carries it back. Id 0 answers start-up. */
export type NumberedRequest<Q> = Q & { id: number };

/**
 * Messages that steer the thread itself, not numbered and not answered: `stop` ends it once no request is running,
 * `exit` ends it at its next JavaScript turn with `code`, as a crash would. Both end the thread from the inside, never
 * during a native call: `Worker.terminate()` while a model runs makes the addon throw into a terminating environment,
 * which aborts the whole process.
 */
export type WorkerControl = { control: 'stop' } | { control: 'exit'; code: number };

export type WorkerReply<R> =
  { id: number; ok: true; result?: R } | { id: number; ok: false; name: string; message: string };

export function failureReply(id: number, e: unknown): WorkerReply<never> {
  return {
    id,
    ok: false,
    name: e instanceof Error ? e.name : 'Error',
    message: e instanceof Error ? e.message : String(e),
  };
}
