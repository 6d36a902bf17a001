import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, STREAM_CLOSE_CODES } from '@forgesyte/contracts';
import { configSchema } from '@forgesyte/server/config/config.schema';

/** The docs are the contract users read: every setting and every code the code knows is in them. */
const docs = (name: string) => readFileSync(join(__dirname, '..', 'docs', name), 'utf8');

describe('docs/CONFIGURATION.md', () => {
  const text = docs('CONFIGURATION.md');

  it.each(Object.keys(configSchema.shape))('documents %s', (key) => {
    expect(text).toMatch(new RegExp(`^\\| \`${key}\` +\\|`, 'm'));
  });
});

describe('docs/API.md', () => {
  const text = docs('API.md');

  it.each([...ERROR_CODES])('documents the error code %s', (code) => {
    expect(text).toContain(`\`${code}\``);
  });

  it.each(Object.entries(STREAM_CLOSE_CODES).filter(([name]) => name !== 'normal'))(
    'documents close code %s (%d) in the stream error table',
    (name, code) => {
      expect(text).toMatch(new RegExp(`^\\| \`${name}\` +\\| ${code} +\\|`, 'm'));
    },
  );

  it('documents the normal close', () => {
    expect(text).toContain(`A normal close by either side is ${STREAM_CLOSE_CODES.normal}.`);
  });
});
