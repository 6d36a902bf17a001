/** Every request to a worker thread carries an id; the answer carries it back. Id 0 answers start-up. */
export type NumberedRequest<Q> = Q & { id: number };

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
