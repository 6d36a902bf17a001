import { performance } from 'node:perf_hooks';
import { type OcrOptions } from '@forgesyte/vision';
import { type FrameInput } from '@forgesyte/server/pipeline/pipeline-graph';
import { type Manifest } from '@forgesyte/server/pipeline/model-manifest';
import { loadAverage, loadPipeline, stats } from './bench-pipeline';

/**
 * `BENCH_OCR_VARIANTS`: OCR engine settings to compare on one image, as a JSON array of partial `OcrOptions`
 * (`[]` or unset: the stage is skipped). The first is the reference, e.g. the settings of before a change:
 *
 *   BENCH_OCR_VARIANTS='[{"recMinWidth":320,"recRunCost":1e9,"ortSpinning":true},{}]'
 */
export function ocrVariants(): Partial<OcrOptions>[] {
  const raw = process.env.BENCH_OCR_VARIANTS;
  if (!raw) return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed) || parsed.some((v) => typeof v !== 'object' || v === null || Array.isArray(v))) {
    throw new Error('BENCH_OCR_VARIANTS must be a JSON array of OCR option objects');
  }
  return parsed as Partial<OcrOptions>[];
}

/**
 * The `ocr` pipeline once per setting, the settings taking turns frame by frame so a change of load on a shared
 * machine hits them alike. Prints each setting's median / p99 (total, and the inference and other columns), its
 * total median over the first setting's, and the lines it read, so a faster setting that reads less shows.
 */
export async function ocrVariantStage(
  m: Manifest,
  variants: Partial<OcrOptions>[],
  name: string,
  input: FrameInput,
  n: number,
): Promise<void> {
  const loaded = [];
  for (const options of variants) loaded.push(await loadPipeline(m, 'ocr', options));
  try {
    const runs = loaded.map(() => ({ total: [] as number[], inference: [] as number[], other: [] as number[] }));
    const texts = loaded.map(() => '');
    for (let i = 0; i < n + 2; i++) {
      for (const [k, { pipeline }] of loaded.entries()) {
        const t0 = performance.now();
        const result = await pipeline.runFrame(input, { alone: false });
        const total = performance.now() - t0;
        texts[k] = result.texts.map((t) => t.text).join(' / ');
        if (i < 2) continue; // warm-up
        runs[k]!.total.push(total);
        runs[k]!.inference.push(result.timings_ms.inference);
        runs[k]!.other.push(total - result.timings_ms.inference);
      }
    }
    console.log(`\nocr settings on ${name}, ${n} runs each, taking turns; load average ${loadAverage()} at the end\n`);
    console.log('| settings | total | inference | other | total / first | read |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    const first = stats(runs[0]!.total).median;
    for (const [k, options] of variants.entries()) {
      const cell = (values: number[]) => {
        const s = stats(values);
        return `${s.median.toFixed(1)} / ${s.p99.toFixed(1)}`;
      };
      const run = runs[k]!;
      const ratio = (stats(run.total).median / first).toFixed(2);
      console.log(
        `| ${JSON.stringify(options)} | ${cell(run.total)} | ${cell(run.inference)} | ${cell(run.other)} | ${ratio} | ${texts[k]} |`,
      );
    }
    console.log('');
  } finally {
    for (const l of loaded) await l.close();
  }
}
