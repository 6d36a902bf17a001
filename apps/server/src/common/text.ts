/** The part of `text` before the first `separator`, or all of it: `split(separator)[0]` without the array. */
export function beforeFirst(text: string, separator: string): string {
  const end = text.indexOf(separator);
  return end < 0 ? text : text.slice(0, end);
}
