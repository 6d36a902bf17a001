/** One recognition run: which crops (indices into the caller's list) and the tensor width they are padded to. */
export interface RecBatch {
  indices: number[];
  width: number;
}

export interface RecBatchLimits {
  /** No tensor is narrower than this (short crops are padded) nor wider than `maxWidth` (long ones are squeezed). */
  minWidth: number;
  maxWidth: number;
  /** Crops per run at most. */
  maxBatch: number;
  /**
   * What one more `session.run` costs, in tensor columns (one column = one crop one pixel wider). Measured on the
   * PP-OCRv4 recogniser here: a run costs about 0.12 ms per column whatever the batch (6 x 320 no cheaper per column
   * than 1 x 320) and only a few milliseconds more for being a run, so padding, not the number of runs, is the cost.
   */
  runCost: number;
}

/**
 * Groups crops into recognition runs at the least total cost: each run costs `runCost` plus its batch size times its
 * width, the width of its widest crop. Crops are sorted by width and cut into consecutive groups by dynamic
 * programming, so crops of similar width share a run and a long line never makes short ones pad to its width.
 * `widths` are the crops' own widths at the model's height; the result lists every index once.
 */
export function planRecBatches(widths: readonly number[], limits: RecBatchLimits): RecBatch[] {
  const { minWidth, maxWidth, maxBatch, runCost } = limits;
  const order = widths.map((w, index) => ({ index, width: Math.min(maxWidth, Math.max(minWidth, Math.ceil(w))) }));
  order.sort((a, b) => a.width - b.width || a.index - b.index);
  const n = order.length;
  // best[j]: least cost of the first j crops; cut[j]: where the last group of that plan starts.
  const best = new Float64Array(n + 1).fill(Infinity);
  const cut = new Int32Array(n + 1);
  best[0] = 0;
  for (let j = 1; j <= n; j++) {
    const width = order[j - 1]!.width; // the widest of any group ending at j - 1 (sorted)
    for (let i = Math.max(0, j - Math.max(1, maxBatch)); i < j; i++) {
      const cost = best[i]! + runCost + (j - i) * width;
      if (cost < best[j]!) {
        best[j] = cost;
        cut[j] = i;
      }
    }
  }
  const batches: RecBatch[] = [];
  for (let j = n; j > 0; j = cut[j]!) {
    const group = order.slice(cut[j], j);
    batches.push({ indices: group.map((g) => g.index), width: group[group.length - 1]!.width });
  }
  return batches.reverse();
}
