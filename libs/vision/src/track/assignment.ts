/**
 * Pairs rows with columns by a score matrix (IoU), highest score first, keeping pairs at or above `minScore`.
 * Greedy rather than optimal: tracking matrices are small and, once gated by IoU, nearly always unambiguous.
 * Ties go to the lower row, then the lower column, so the result never depends on anything but the input.
 */
export function greedyAssign(
  scores: number[][],
  minScore: number,
): { pairs: [number, number][]; rows: number[]; cols: number[] } {
  const candidates: [number, number, number][] = [];
  const nCols = scores[0]?.length ?? 0;
  scores.forEach((row, r) =>
    row.forEach((score, c) => {
      if (score >= minScore) candidates.push([score, r, c]);
    }),
  );
  candidates.sort((a, b) => b[0] - a[0] || a[1] - b[1] || a[2] - b[2]);
  const usedRows = new Set<number>();
  const usedCols = new Set<number>();
  const pairs: [number, number][] = [];
  for (const [, r, c] of candidates) {
    if (usedRows.has(r) || usedCols.has(c)) continue;
    usedRows.add(r);
    usedCols.add(c);
    pairs.push([r, c]);
  }
  const rows = [...Array(scores.length).keys()].filter((r) => !usedRows.has(r));
  const cols = [...Array(nCols).keys()].filter((c) => !usedCols.has(c));
  return { pairs, rows, cols };
}
