import { runInThisContext } from 'node:vm';

// Jest runs each test file in a realm of its own, but onnxruntime-node creates its output arrays
// in Node's main realm, and onnxruntime-common checks them with `instanceof Float32Array` against
// the realm it was loaded in. Give test files the main realm's typed arrays before any module
// loads. Outside Jest there is only one realm and nothing to do.
for (const name of ['Float32Array', 'Int32Array', 'BigInt64Array', 'Uint8Array', 'Int8Array', 'Uint16Array']) {
  (globalThis as Record<string, unknown>)[name] = runInThisContext(name);
}
