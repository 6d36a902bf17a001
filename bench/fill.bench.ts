/**
 * npm run bench:fill
 *
 * `fillTensorResized` alone: a 640x480 frame (and a 1280x720 one) into the 416x416 YOLOX input and the 640x640
 * Ultralytics one, the WebAssembly kernel and the JavaScript reference taking turns call by call, so that a load
 * change on a shared machine hits both alike. Prints median / p99 ms and the kernel's median over the reference's.
 *
 *   BENCH_ITERATIONS  calls per version and case (default 500)
 */
import { performance } from 'node:perf_hooks';
import {
  fillTensorResized,
  fillTensorResizedJs,
  letterbox,
  ULTRALYTICS_FORMAT,
  YOLOX_FORMAT,
  type TensorFormat,
} from '@forgesyte/vision';
import { stats } from './support/bench-pipeline';

const CASES: [number, number, number, 'top-left' | 'center', TensorFormat][] = [
  [640, 480, 416, 'top-left', YOLOX_FORMAT],
  [1280, 720, 416, 'top-left', YOLOX_FORMAT],
  [1280, 720, 640, 'center', ULTRALYTICS_FORMAT],
  [640, 480, 320, 'center', ULTRALYTICS_FORMAT],
];

function main(): void {
  const n = Number(process.env.BENCH_ITERATIONS ?? 500);
  console.log(`fillTensorResized, ${n} calls per version, versions taking turns\n`);
  console.log('| source | input | format | wasm median / p99 | js median / p99 | wasm / js |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [sw, sh, size, placement, format] of CASES) {
    const src = { data: new Uint8Array(sw * sh * 3).map((_, i) => (i * 2654435761) >>> 24), width: sw, height: sh };
    const lb = letterbox(sw, sh, size, size, placement);
    const out = new Float32Array(3 * size * size);
    const versions = [
      { fill: fillTensorResized, times: [] as number[] },
      { fill: fillTensorResizedJs, times: [] as number[] },
    ];
    for (let i = 0; i < n + 20; i++) {
      for (const { fill, times } of versions) {
        const t0 = performance.now();
        fill(src, lb, format, out);
        if (i >= 20) times.push(performance.now() - t0);
      }
    }
    const [wasm, js] = versions.map((v) => stats(v.times));
    const cell = (s: { median: number; p99: number }) => `${s.median.toFixed(3)} / ${s.p99.toFixed(3)}`;
    console.log(
      `| ${sw}x${sh} | ${size}x${size} | ${format.channelOrder}, x${format.scale === 1 ? 1 : '1/255'} | ` +
        `${cell(wasm!)} | ${cell(js!)} | ${(wasm!.median / js!.median).toFixed(2)} |`,
    );
  }
}

main();
