/**
 * Preloaded into the bench server (`--import`) when the bench asks for event-loop figures: samples the main thread's
 * event-loop delay (`perf_hooks.monitorEventLoopDelay`) and, on a `loop-delay` message over the IPC channel, answers
 * with the percentiles since the last ask and starts over. Nothing of it is in the server itself. Plain JavaScript,
 * so the built server it is preloaded into runs without a TypeScript compiler in its heap.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

const histogram = monitorEventLoopDelay({ resolution: 5 });
histogram.enable();
process.on('message', (message) => {
  if (message !== 'loop-delay') return;
  const ms = (ns) => Math.round(ns / 1e4) / 100;
  process.send?.({
    loopDelay: {
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
    },
  });
  histogram.reset();
});
// The IPC channel must not keep the server alive on its own.
process.channel?.unref();
