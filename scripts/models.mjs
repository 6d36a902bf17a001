#!/usr/bin/env node
// Fills MODELS_DIR with every file models/manifest.json lists, verified by sha256.
//
//   MODELS_DIR       where the files go (default var/models)
//   MODEL_SOURCE     a local directory or an http(s):// base URL holding the files by name;
//                    unset: each entry's upstream `url`
//   MODELS_MANIFEST  the manifest (default models/manifest.json)
//
// Entries with a `package` path (the PP-OCR files) always come from that npm package in
// node_modules: they are installed with the dependencies, so there is nothing to download.
// A file already present with the right hash is left alone, so a second run costs a few hashes.
//
// A model entry with `any_size` also gets a copy made here from its verified file, whose image input takes
// any height and width (scripts/onnx-any-size.mjs); that copy is checked against its own pinned sha256, so
// the same upstream file always gives the same bytes. A model entry with `hard_swish` likewise gets a copy whose
// hard-swish activations (Add, Clip, Mul, Div) are HardSigmoid x Mul (scripts/onnx-hard-swish.mjs), and one with
// `space_to_depth` a copy of its any-size file whose YOLOX Focus stem is one SpaceToDepth
// (scripts/onnx-space-to-depth.mjs).
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { anySizeModel } from './onnx-any-size.mjs';
import { hardSwishModel } from './onnx-hard-swish.mjs';
import { spaceToDepthModel } from './onnx-space-to-depth.mjs';

/**
 * The copies a model entry can ask for, by manifest key, in the order they are made: the script that makes each,
 * its edit, and the file it is made from (a copy made before it, or the entry's verified file).
 */
const EDITS = {
  any_size: { script: 'scripts/onnx-any-size.mjs', make: anySizeModel, from: (model) => model.file },
  hard_swish: {
    script: 'scripts/onnx-hard-swish.mjs',
    make: (bytes) => hardSwishModel(bytes).bytes,
    from: (model) => model.file,
  },
  space_to_depth: {
    script: 'scripts/onnx-space-to-depth.mjs',
    make: spaceToDepthModel,
    from: (model) => model.any_size?.file ?? model.file,
  },
};

class ModelError extends Error {}

const env = (name) => (process.env[name]?.trim() ? process.env[name].trim() : undefined);
const modelsDir = resolve(env('MODELS_DIR') ?? 'var/models');
const manifestPath = resolve(env('MODELS_MANIFEST') ?? 'models/manifest.json');
const source = env('MODEL_SOURCE');
const require = createRequire(import.meta.url);

function sha256OfFile(path) {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', fail)
      .on('end', () => done(hash.digest('hex')));
  });
}

/** Every file to fetch: model files and, for recognisers, their dictionaries. */
function wantedFiles(manifest) {
  const files = [];
  for (const model of manifest.models ?? []) {
    if (!model.id || !model.file || !model.sha256) {
      throw new ModelError(`${manifestPath}: every model needs id, file and sha256 (got ${JSON.stringify(model)})`);
    }
    files.push({ model: model.id, file: model.file, sha256: model.sha256, url: model.url, package: model.package });
    if (model.dictionary) files.push({ model: model.id, ...model.dictionary });
    for (const edit of Object.keys(EDITS)) {
      const copy = model[edit];
      if (!copy) continue;
      if (!copy.file || !copy.sha256)
        throw new ModelError(`${manifestPath}: model ${model.id}: ${edit} needs file and sha256`);
      files.push({ model: model.id, file: copy.file, sha256: copy.sha256, from: EDITS[edit].from(model), edit });
    }
  }
  return files;
}

function packagePath(spec, model) {
  // "@scope/name/sub/path": the package root is found through its package.json or an export.
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const rest = parts.slice(name.split('/').length).join('/');
  for (const probe of [`${name}/package.json`, `${name}/node`, name]) {
    try {
      return join(dirname(require.resolve(probe)), rest);
    } catch {
      // try the next entry point: packages with an "exports" map hide package.json
    }
  }
  throw new ModelError(`model ${model}: npm package ${name} is not installed; run \`npm ci\` first`);
}

/** Where a file comes from: { kind: 'file', path } or { kind: 'http', url }. */
function origin(entry) {
  if (entry.package) return { kind: 'file', path: packagePath(entry.package, entry.model) };
  if (source && /^https?:\/\//i.test(source)) {
    return { kind: 'http', url: `${source.replace(/\/+$/, '')}/${encodeURIComponent(entry.file)}` };
  }
  if (source) return { kind: 'file', path: resolve(source, entry.file) };
  if (!entry.url) {
    throw new ModelError(
      `model ${entry.model}: ${entry.file} has no upstream url in the manifest; set MODEL_SOURCE to a directory or URL that holds it`,
    );
  }
  return { kind: 'http', url: entry.url };
}

async function copyInto(from, tmp, entry) {
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk, _encoding, next) {
      hash.update(chunk);
      next(null, chunk);
    },
  });
  let input;
  let where;
  if (from.kind === 'file') {
    where = from.path;
    if (!existsSync(from.path)) {
      throw new ModelError(
        `model ${entry.model}: ${entry.file} not found at ${from.path}; set MODEL_SOURCE to a directory or URL that holds it`,
      );
    }
    input = createReadStream(from.path);
  } else {
    where = from.url;
    let res;
    try {
      res = await fetch(from.url, { redirect: 'follow' });
    } catch (error) {
      throw new ModelError(
        `model ${entry.model}: cannot download ${from.url} (${error.cause?.code ?? error.message}); check the network or set MODEL_SOURCE to a local copy`,
      );
    }
    if (!res.ok || !res.body) {
      throw new ModelError(
        `model ${entry.model}: ${from.url} answered HTTP ${res.status}; check MODEL_SOURCE or set it to a local copy`,
      );
    }
    // The whole body first (model files are a few MB): streaming it to disk lets backpressure pause
    // the HTTP parser, and Node 24's fetch then crashes the process when a server closes the
    // connection at the end of the body (undici issue 5360; Python's http.server does that).
    input = Readable.from([Buffer.from(await res.arrayBuffer())]);
  }
  await pipeline(input, hashing, createWriteStream(tmp));
  return { sha256: hash.digest('hex'), where };
}

/** Makes `entry.file` from the verified file `entry.from` (listed, so fetched, before it). */
function derive(entry, tmp) {
  if (!existsSync(join(modelsDir, entry.from))) {
    throw new ModelError(`model ${entry.model}: ${entry.file} is made from ${entry.from}, which is missing`);
  }
  let bytes;
  try {
    bytes = EDITS[entry.edit].make(readFileSync(join(modelsDir, entry.from)));
  } catch (error) {
    // The manifest asks for an edit this file does not fit (a wrong entry): said as the other model errors are.
    throw new ModelError(`model ${entry.model}: cannot make ${entry.file} from ${entry.from}: ${error.message}`);
  }
  writeFileSync(tmp, bytes);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), where: entry.from };
}

async function ensure(entry) {
  const target = join(modelsDir, entry.file);
  if (existsSync(target) && (await sha256OfFile(target)) === entry.sha256) return 'present';
  const tmp = `${target}.part-${process.pid}`;
  try {
    if (entry.from) {
      const { sha256, where } = derive(entry, tmp);
      if (sha256 !== entry.sha256) {
        throw new ModelError(
          `model ${entry.model}: ${entry.file} made from ${entry.from} has sha256 ${sha256}, the manifest pins ${entry.sha256}; ` +
            `${EDITS[entry.edit].script} no longer gives the same bytes (update the pin only after checking the new file)`,
        );
      }
      renameSync(tmp, target);
      return where;
    }
    const { sha256, where } = await copyInto(origin(entry), tmp, entry);
    if (sha256 !== entry.sha256) {
      throw new ModelError(
        `model ${entry.model}: sha256 mismatch for ${entry.file} from ${where}: expected ${entry.sha256}, got ${sha256}. ` +
          'The source holds a different file; fix MODEL_SOURCE (or the manifest entry, if you replaced the model on purpose)',
      );
    }
    renameSync(tmp, target);
    return where;
  } finally {
    rmSync(tmp, { force: true });
  }
}

async function main() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    throw new ModelError(`cannot read the model manifest ${manifestPath}: ${error.message}`);
  }
  mkdirSync(modelsDir, { recursive: true });
  const failures = [];
  for (const entry of wantedFiles(manifest)) {
    try {
      const result = await ensure(entry);
      console.log(
        result === 'present'
          ? `models: ${entry.file} ok`
          : `models: ${entry.file} ${entry.from ? 'made' : 'fetched'} from ${result} (sha256 ok)`,
      );
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      failures.push(error.message);
    }
  }
  if (failures.length > 0) {
    for (const message of failures) console.error(`models: ${message}`);
    console.error(`models: ${failures.length} file(s) missing or wrong in ${modelsDir}`);
    process.exit(1);
  }
  console.log(`models: all files present and verified in ${modelsDir}`);
}

main().catch((error) => {
  console.error(`models: ${error instanceof ModelError ? error.message : (error?.stack ?? error)}`);
  process.exit(1);
});
