/**
 * Worker-thread entry for `DetectorPool`: holds a `DetectorEngine` per loaded model and runs frames on them, so
 * onnxruntime-node's blocking `session.run` never stalls the server's event loop, and two workers run two frames
 * at once on two cores.
 */
import { type InferenceSession } from 'onnxruntime-node';
import { serveRequests } from '../worker/worker-serve';
import { DetectorEngine, type DetectorModel } from './detector-engine';
import { type DetectorAnswer, type DetectorRequest, type SessionKind } from './detector-worker-protocol';

interface State {
  /** By `sessionKey`. */
  engines: Map<string, DetectorEngine>;
  /** Runs not finished yet: release waits for them instead of freeing a session under a run. */
  running: Set<Promise<unknown>>;
}

serveRequests<State, DetectorRequest, DetectorAnswer>(
  () => Promise.resolve({ engines: new Map(), running: new Set() }),
  async (state, req) => {
    switch (req.type) {
      case 'load': {
        for (const { options, ...kind } of req.sessions) {
          state.engines.set(sessionKey(req.model.id, kind), await loadWarm(req.model, options));
        }
        return;
      }
      case 'detect':
      case 'detect-jpeg': {
        const tried = [req, { wide: req.wide, spin: false }, { wide: false, spin: false }];
        const engine = tried.map((kind) => state.engines.get(sessionKey(req.model, kind))).find(Boolean);
        if (!engine) throw new Error(`model ${req.model} is not loaded in this worker`);
        const run =
          req.type === 'detect'
            ? engine.detect(req.image, req.lb, req.scoreThreshold, req.iouThreshold)
            : engine.detectJpeg(req.jpeg, req.lb, req.scoreThreshold, req.iouThreshold);
        state.running.add(run);
        try {
          // null (bytes that do not decode) goes back as an answer without a result.
          return (await run) ?? undefined;
        } finally {
          state.running.delete(run);
        }
      }
      case 'release':
        await Promise.allSettled(state.running);
        await Promise.all([...state.engines.values()].map((e) => e.release()));
        state.engines.clear();
        return;
    }
  },
);

function sessionKey(model: string, { wide, spin }: SessionKind): string {
  return `${model}:${wide ? 'wide' : 'narrow'}:${spin ? 'spin' : 'still'}`;
}

async function loadWarm(model: DetectorModel, options: InferenceSession.SessionOptions): Promise<DetectorEngine> {
  const engine = await DetectorEngine.load(model, options);
  try {
    await engine.warmup();
  } catch (e) {
    await engine.release();
    throw e;
  }
  return engine;
}
