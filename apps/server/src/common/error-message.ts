/** The message of anything thrown, for logs and `{ error, detail }` bodies (never its stack). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
