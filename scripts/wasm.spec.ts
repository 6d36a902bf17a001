import { readFileSync } from 'node:fs';
import { assemble, KERNELS, modulePath, moduleText } from './wasm';

describe('npm run wasm', () => {
  it.each(KERNELS.map((k) => [k.module, k] as const))(
    '%s holds what its source assembles to (run `npm run wasm` after editing the .wat)',
    async (_, kernel) => {
      const bytes = await assemble(kernel);
      expect(WebAssembly.validate(bytes)).toBe(true);
      expect(readFileSync(modulePath(kernel), 'utf8')).toBe(moduleText(kernel, bytes));
    },
  );
});
