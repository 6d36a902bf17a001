export interface RecordedCall {
  method: string;
  args: unknown[];
}

/**
 * A 2D context that records drawing calls, since jsdom has no canvas. Enough of the API for the
 * overlay code; measureText reports 7 px per character.
 */
export function recordingContext(
  canvas: HTMLCanvasElement,
  calls: RecordedCall[] = [],
): { ctx: CanvasRenderingContext2D; calls: RecordedCall[] } {
  const state: Record<string | symbol, unknown> = { canvas };
  const ctx = new Proxy(state, {
    get(target, key) {
      if (key in target) return target[key];
      if (key === 'measureText') return (text: string) => ({ width: text.length * 7 });
      return (...args: unknown[]) => {
        calls.push({ method: String(key), args });
      };
    },
    set(target, key, value) {
      target[key] = value;
      calls.push({ method: `set ${String(key)}`, args: [value] });
      return true;
    },
  }) as unknown as CanvasRenderingContext2D;
  return { ctx, calls };
}
