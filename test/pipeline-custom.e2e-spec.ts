import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runInThisContext } from 'node:vm';
import type { PipelinesResponse } from '@forgesyte/contracts';
import type { PipelineService } from '@forgesyte/server/pipeline/pipeline.service';
import type { RunningApp } from './support/app';

// See test/pipeline.e2e-spec.ts: onnxruntime must see the main realm's typed arrays under Jest.
for (const name of ['Float32Array', 'Int32Array', 'BigInt64Array', 'Uint8Array', 'Int8Array', 'Uint16Array']) {
  (globalThis as Record<string, unknown>)[name] = runInThisContext(name);
}
const support = import('./support/app');
const service = import('@forgesyte/server/pipeline/pipeline.service');
const REPO = resolve(__dirname, '..');
const bus = readFileSync(join(REPO, '..', 'shared', 'media', 'bus.jpg'));
const shipped = JSON.parse(readFileSync(join(REPO, 'models', 'manifest.json'), 'utf8')) as {
  models: { id: string }[];
};
const yolox = shipped.models.find((m) => m.id === 'yolox_nano_coco_416')!;

/** A user's manifest: one extra detector (here: the YOLOX file with renamed classes) and a pipeline using it. */
function writeManifest(dir: string, labels: string[]): string {
  writeFileSync(join(dir, 'things.txt'), labels.join('\n') + '\n');
  const manifest = {
    models: [{ ...yolox, id: 'my_things', description: 'my own detector', labels: 'things.txt', license: 'MIT' }],
    pipelines: [
      {
        id: 'things',
        description: 'Finds my things',
        nodes: [
          { id: 'decode', kind: 'decode' },
          {
            id: 'detect',
            kind: 'detect',
            model: 'my_things',
            inputs: ['decode'],
            score_threshold: 0.6,
            iou_threshold: 0.5,
          },
          { id: 'merge', kind: 'merge', inputs: ['detect'] },
        ],
      },
    ],
  };
  const path = join(dir, 'manifest.json');
  writeFileSync(path, JSON.stringify(manifest));
  return path;
}

describe('a custom detector added through the manifest and a labels file only', () => {
  let dir: string;
  let app: RunningApp | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'forgesyte-manifest-'));
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(labels: string[]): Promise<PipelineService> {
    app = await (await support).startApp({ MODELS_MANIFEST: writeManifest(dir, labels), PIPELINES: 'things' });
    return app.app.get((await service).PipelineService);
  }

  it('serves the new pipeline with its own class names and thresholds', async () => {
    const names = Array.from({ length: 80 }, (_, i) => `thing_${i}`);
    const pipelines = await start(names);
    await pipelines.whenLoaded();
    const result = await pipelines.runOnFrame('things', 0, bus);
    // Class 5 is "bus" in COCO order; the score threshold 0.6 keeps three people and drops the fourth (0.33).
    expect(result.detections.map((d) => d.label).sort()).toEqual(['thing_0', 'thing_0', 'thing_0', 'thing_5']);
    expect(Math.min(...result.detections.map((d) => d.score))).toBeGreaterThanOrEqual(0.6);
    const list = (await (await fetch(`${app!.url}/pipelines`)).json()) as PipelinesResponse;
    expect(list.pipelines).toEqual([
      {
        id: 'things',
        description: 'Finds my things',
        models: ['my_things'],
        classes: names,
        input_size: { width: 416, height: 416 },
        frame_size: { width: 416, height: 416 },
      },
    ]);
  });

  it('refuses to become ready when the labels file does not fit the model output', async () => {
    const pipelines = await start(['only', 'three', 'labels']);
    await expect(pipelines.whenLoaded()).rejects.toThrow(/model my_things: output \[1,3549,85\] does not fit 3 labels/);
    const res = await fetch(`${app!.url}/health/ready`);
    expect(res.status).toBe(503);
  });
});
