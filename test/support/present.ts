/**
 * The value, or a failed test that names what was missing. For elements of lists and records a test expects to be
 * there: the type checker cannot know the list is long enough, the test can.
 */
export function present<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null) throw new Error(`expected ${what}, found none`);
  return value;
}
