import { performance } from 'node:perf_hooks';
import { type PipelineResult } from '@forgesyte/contracts';
import { type TrackerOptions } from '@forgesyte/vision';
import { type Detector } from './detector';
import { type DecodeLimits, type ImageSize } from './image-decoder';
import { type PipelineSpec } from './model-manifest';
import {
  nodeKind,
  type BoundNode,
  type Branch,
  type Decoded,
  type FrameContext,
  type FrameInput,
  type NodeOutput,
  type TextReader,
  type ViewRequest,
} from './nodes';

/** The tracker settings of a pipeline's stateful node (the track node), or null when it has none. */
export function sceneOptionsOf(spec: PipelineSpec): Partial<TrackerOptions> | null {
  for (const node of spec.nodes) {
    const options = nodeKind(node).sceneOptions?.(node);
    if (options) return options;
  }
  return null;
}

export { ocrKey, type FrameInput, type TextReader } from './nodes';

/** What a caller says about a frame it runs (see `runFrame`). */
export type RunContext = Omit<FrameContext, 'frame' | 'spin'> & { spin?: boolean };

/**
 * One pipeline from the manifest, bound to its loaded models: a small DAG run per frame. Each
 * node starts as soon as its inputs are done, so `detect` and `ocr` overlap after `decode`.
 */
export class CompiledPipeline {
  private readonly nodes: { id: string; inputs: string[]; bound: BoundNode }[];
  private readonly decodeId: string;
  /** Nodes that run a model: with more than one, a frame's model runs overlap, so none of them is alone. */
  private readonly modelNodes: number;

  constructor(
    private readonly spec: PipelineSpec,
    detectors: Map<string, Detector>,
    ocr: Map<string, TextReader>,
    limits: DecodeLimits,
  ) {
    const context = {
      pipelineId: spec.id,
      models: { detectors, ocr },
      limits,
      viewsFor: (source: ImageSize) => this.viewsFor(source),
    };
    this.nodes = spec.nodes.map((node) => {
      const kind = nodeKind(node);
      return { id: node.id, inputs: kind.inputs(node), bound: kind.bind(node, context) };
    });
    this.decodeId = spec.nodes.find((n) => n.kind === 'decode')!.id;
    this.modelNodes = spec.nodes.filter((node) => nodeKind(node).requires(node).length > 0).length;
  }

  get id(): string {
    return this.spec.id;
  }

  /** The tracker settings of the pipeline's stateful node, or null when nothing in it keeps state across frames. */
  get sceneOptions(): Partial<TrackerOptions> | null {
    return sceneOptionsOf(this.spec);
  }

  /**
   * Runs every node on one frame, each as soon as its inputs are ready, and assembles the result. `alone`: no other
   * frame is in any pipeline now, so detection may use every core; `spin`, and its model runs may spin-wait. Both
   * hold only in a pipeline with one model node (in `yolo_ocr` detection and OCR run at once).
   */
  async runFrame(frame: FrameInput, context: RunContext = { alone: false }): Promise<PipelineResult> {
    const started = performance.now();
    const solo = this.modelNodes <= 1;
    const full: FrameContext = {
      ...context,
      alone: context.alone && solo,
      spin: (context.spin ?? false) && context.alone && solo,
      frame,
    };
    const outputs = new Map<string, Promise<NodeOutput>>();
    for (const node of this.nodes) {
      const inputs = node.inputs.map((id) => outputs.get(id)!);
      outputs.set(
        node.id,
        Promise.all(inputs).then((values) => node.bound.run(values, full)),
      );
    }
    // Every node promise is awaited so a failing branch never leaves an unhandled rejection.
    const settled = await Promise.allSettled(outputs.values());
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const decoded = ((await outputs.get(this.decodeId)!) as { kind: 'decoded'; value: Decoded }).value;
    const r = ((await outputs.get(this.nodes.at(-1)!.id)!) as { kind: 'partial'; value: Branch }).value;
    return {
      image: { ...decoded.original },
      detections: r.detections,
      texts: r.texts,
      timings_ms: {
        decode: ms(decoded.ms + r.preprocess),
        inference: ms(r.inference),
        postprocess: ms(r.postprocess),
        total: ms(performance.now() - started),
      },
      ...r.scene,
    };
  }

  /** Every view the nodes read (one per detector input size, plus full size for OCR). */
  private viewsFor(source: ImageSize): Map<string, ViewRequest> {
    const wanted = new Map<string, ViewRequest>();
    for (const { bound } of this.nodes) {
      for (const [key, size] of bound.views?.(source) ?? []) {
        const bytesSuffice = (wanted.get(key)?.bytesSuffice ?? true) && bound.readsJpeg === true;
        wanted.set(key, { size, bytesSuffice });
      }
    }
    return wanted;
  }
}

function ms(v: number): number {
  return Math.round(v * 100) / 100;
}
