/**
 * SHUTDOWN_TIMEOUT_S: once SIGTERM or SIGINT arrives, the graceful shutdown (Nest's hooks: drain HTTP, finish
 * running frames, hand jobs back) gets this long; then the process exits with status 1 whatever is still pending,
 * so an orchestrator's stop never hangs on a stuck frame or a database that does not answer.
 */
export function exitAfterShutdownTimeout(program: string, timeoutS: number): void {
  const arm = (signal: NodeJS.Signals): void => {
    setTimeout(() => {
      process.stderr.write(`${program}: graceful shutdown after ${signal} exceeded ${timeoutS} s; exiting\n`);
      process.exit(1);
    }, timeoutS * 1000).unref();
  };
  process.once('SIGTERM', arm);
  process.once('SIGINT', arm);
}
