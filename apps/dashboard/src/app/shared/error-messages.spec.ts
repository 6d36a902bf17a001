import { STREAM_CLOSE_CODES } from '@forgesyte/contracts';
import { ERROR_SENTENCES, errorSentence } from './error-messages';

describe('error sentences', () => {
  it('gives every streaming error its own sentence', () => {
    const codes = Object.keys(STREAM_CLOSE_CODES).filter((c) => c !== 'normal');
    const sentences = codes.map((c) => errorSentence(c));
    expect(new Set(sentences).size).toBe(codes.length);
    for (const s of sentences) expect(s).toMatch(/^[A-Z].*\.$/);
  });

  it('falls back to the detail for a code it does not know', () => {
    expect(errorSentence('brand_new_code', 'Disk on fire')).toBe('The server reported an error: Disk on fire');
    expect(errorSentence('network')).toMatch(/connection/);
    expect(errorSentence('server_busy')).toBe(ERROR_SENTENCES.server_busy);
  });
});
