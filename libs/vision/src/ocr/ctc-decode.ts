/** One decoded text line: characters and the mean of their winning probabilities (0 when nothing was read). */
export interface DecodedText {
  text: string;
  score: number;
}

/**
 * Reads the character list of a PP-OCR dictionary file: one character per line, CRLF tolerated. Index 0 of the
 * model's output is the CTC blank, 1..N are these lines, and PaddleOCR appends a space as the last class
 * (`use_space_char`), which is why the recognition model has N + 2 outputs.
 */
export function parseDictionary(text: string, appendSpace = true): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  // A trailing newline leaves one empty line that is not a character.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const chars = ['', ...lines];
  if (appendSpace) chars.push(' ');
  return chars;
}

/**
 * Greedy CTC decoding of one sequence: take the best class at each step, merge runs of the same class, drop blanks
 * (class 0). `probs` holds `steps * classes` values for this sequence starting at `offset`.
 */
export function ctcGreedyDecode(
  probs: Float32Array,
  steps: number,
  classes: number,
  chars: readonly string[],
  offset = 0,
): DecodedText {
  let text = '';
  let sum = 0;
  let kept = 0;
  let previous = -1;
  for (let t = 0; t < steps; t++) {
    const base = offset + t * classes;
    let best = 0;
    // Hot loop: the caller's shape check keeps base + c inside probs, so reads are asserted, not checked.
    let bestP = probs[base]!;
    for (let c = 1; c < classes; c++) {
      const p = probs[base + c]!;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0 && best !== previous) {
      text += chars[best] ?? '';
      sum += bestP;
      kept++;
    }
    previous = best;
  }
  return { text, score: kept > 0 ? sum / kept : 0 };
}
