import { ctcGreedyDecode, parseDictionary } from './ctc-decode';

/** One-hot-ish probability rows: each step puts `p` on the given class and spreads the rest. */
function steps(classes: number, seq: [number, number][]): Float32Array {
  const out = new Float32Array(seq.length * classes);
  seq.forEach(([c, p], t) => {
    for (let k = 0; k < classes; k++) out[t * classes + k] = (1 - p) / (classes - 1);
    out[t * classes + c] = p;
  });
  return out;
}

describe('parseDictionary', () => {
  it('puts the blank first and the space last, ignoring a trailing newline and CR', () => {
    expect(parseDictionary('a\r\nb\nc\n')).toEqual(['', 'a', 'b', 'c', ' ']);
    expect(parseDictionary('a\nb')).toEqual(['', 'a', 'b', ' ']);
    expect(parseDictionary('a\nb', false)).toEqual(['', 'a', 'b']);
  });
});

describe('ctcGreedyDecode', () => {
  const chars = ['', 'a', 'b', 'c', ' '];

  it('merges repeats, drops blanks and averages the kept probabilities', () => {
    const probs = steps(5, [
      [1, 0.9],
      [1, 0.8],
      [0, 0.99],
      [2, 0.7],
      [4, 0.6],
      [3, 0.5],
    ]);
    const d = ctcGreedyDecode(probs, 6, 5, chars);
    expect(d.text).toBe('ab c');
    // First step of each run counts: 0.9, 0.7, 0.6, 0.5
    expect(d.score).toBeCloseTo((0.9 + 0.7 + 0.6 + 0.5) / 4, 6);
  });

  it('keeps a doubled letter only when a blank separates the two', () => {
    const doubled = steps(5, [
      [1, 0.9],
      [0, 0.9],
      [1, 0.9],
    ]);
    expect(ctcGreedyDecode(doubled, 3, 5, chars).text).toBe('aa');
    const run = steps(5, [
      [1, 0.9],
      [1, 0.9],
      [1, 0.9],
    ]);
    expect(ctcGreedyDecode(run, 3, 5, chars).text).toBe('a');
  });

  it('reads nothing with score 0 from an all-blank sequence', () => {
    expect(
      ctcGreedyDecode(
        steps(5, [
          [0, 0.9],
          [0, 0.8],
        ]),
        2,
        5,
        chars,
      ),
    ).toEqual({ text: '', score: 0 });
  });

  it('decodes one sequence of a batch at its offset', () => {
    const batch = new Float32Array([
      ...steps(5, [
        [1, 0.9],
        [2, 0.9],
      ]),
      ...steps(5, [
        [3, 0.8],
        [0, 0.9],
      ]),
    ]);
    expect(ctcGreedyDecode(batch, 2, 5, chars, 0).text).toBe('ab');
    expect(ctcGreedyDecode(batch, 2, 5, chars, 10)).toEqual({ text: 'c', score: expect.closeTo(0.8, 6) as number });
  });
});
