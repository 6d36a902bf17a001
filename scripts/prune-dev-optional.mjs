#!/usr/bin/env node
// Runs in the image build after `npm prune --omit=dev` (docker/Dockerfile): removes the packages
// that only dev dependencies need but that `--omit=dev` keeps.
//
// npm keeps a package the lockfile marks `devOptional`: a dev dependency (or one of theirs) that a
// production package also names as an optional dependency or optional peer. typeorm names ts-node
// (for its CLI and .ts configs) as an optional peer, so ts-node, typescript and @types/node stay in
// a pruned node_modules although the server never loads them; `--omit=optional` would remove them
// but also sharp's platform binaries, which are real optional dependencies. A package the server
// loads at runtime must be a production dependency (as `express` is for @nestjs/serve-static), so
// it is never devOptional: the script refuses to remove a declared production dependency.
//
//   node scripts/prune-dev-optional.mjs [DIR]      # DIR holds package.json, package-lock.json and
//                                                  # node_modules (default: the current directory)
//
// It also removes the command links in node_modules/.bin that pointed into removed packages and
// drops them from npm's hidden lockfile (node_modules/.package-lock.json), so `npm ls` stays true.
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';

const dir = process.argv[2] ?? process.cwd();
const readJson = (file) => JSON.parse(readFileSync(join(dir, file), 'utf8'));

const manifest = readJson('package.json');
const production = new Set([
  ...Object.keys(manifest.dependencies ?? {}),
  ...Object.keys(manifest.optionalDependencies ?? {}),
]);
const packages = readJson('package-lock.json').packages ?? {};

/** `node_modules/a/node_modules/@s/b` -> `@s/b`. */
const nameOf = (path) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
/** The node_modules folder whose .bin links a package's commands. */
const binDirOf = (path) => posix.join(path.slice(0, path.lastIndexOf('node_modules/')), 'node_modules', '.bin');

const devOptional = Object.keys(packages).filter((path) => path !== '' && packages[path].devOptional);
const declared = devOptional.filter((path) => path === `node_modules/${nameOf(path)}` && production.has(nameOf(path)));
if (declared.length > 0) {
  console.error(`prune-dev-optional: the lockfile marks production dependencies devOptional: ${declared.join(', ')}`);
  console.error('prune-dev-optional: package-lock.json does not match package.json; run npm install');
  process.exit(1);
}

const removed = devOptional.filter((path) => existsSync(join(dir, path)));
for (const path of removed) rmSync(join(dir, path), { recursive: true, force: true });

// existsSync follows the link: false for a link into a removed package.
let links = 0;
for (const binDir of new Set(removed.map(binDirOf))) {
  const absolute = join(dir, binDir);
  if (!existsSync(absolute)) continue;
  for (const entry of readdirSync(absolute)) {
    const link = join(absolute, entry);
    if (lstatSync(link).isSymbolicLink() && !existsSync(link)) {
      rmSync(link);
      links += 1;
    }
  }
}

const hidden = join(dir, 'node_modules', '.package-lock.json');
if (existsSync(hidden)) {
  const lock = JSON.parse(readFileSync(hidden, 'utf8'));
  for (const path of removed) delete lock.packages?.[path];
  writeFileSync(hidden, `${JSON.stringify(lock, null, 2)}\n`);
}

const names = [...new Set(removed.map(nameOf))].sort();
console.log(
  `prune-dev-optional: removed ${removed.length} packages only dev dependencies need` +
    `${names.length > 0 ? ` (${names.join(', ')})` : ''} and ${links} command links`,
);
