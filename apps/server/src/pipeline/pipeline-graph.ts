import { performance } from 'node:perf_hooks';
import { type Detection, type PipelineResult, type TextLine } from '@forgesyte/contracts';
import { type OcrEngine, type RgbImage } from '@forgesyte/vision';

/** What an ocr node needs: the in-process engine and the worker-thread one both fit. */
export type TextReader = Pick<OcrEngine, 'recognize'>;
import { type Detector } from './detector';
import { decodeImage, probeImage, resizeRaw, type DecodeLimits, type ImageSize } from './image-decoder';
import { type PipelineNodeSpec, type PipelineSpec } from './model-manifest';

/** What a pipeline runs on: encoded bytes (JPEG, PNG) or a packed RGB frame. */
export type FrameInput =
  | { kind: 'encoded'; bytes: Buffer }
  /** `original`: the size boxes are reported in (the frame may have been scaled down before). */
  | { kind: 'raw'; frame: RgbImage; original: ImageSize };

interface Decoded {
  /** Size boxes are reported in. */
  original: ImageSize;
  /** Size of the pixels the views were made from. */
  source: ImageSize;
  views: Map<string, RgbImage>;
  ms: number;
}

interface Branch {
  detections: Detection[];
  texts: TextLine[];
  preprocess: number;
  inference: number;
  postprocess: number;
}

type NodeOutput = { kind: 'decoded'; value: Decoded } | { kind: 'partial'; value: Branch };

/**
 * One pipeline from the manifest, bound to its loaded models: a small DAG run per frame. Each
 * node starts as soon as its inputs are done, so `detect` and `ocr` overlap after `decode`.
 */
export class CompiledPipeline {
  private readonly detectorsByNode = new Map<string, Detector>();
  private readonly ocrByNode = new Map<string, TextReader>();

  constructor(
    private readonly spec: PipelineSpec,
    detectors: Map<string, Detector>,
    ocr: Map<string, TextReader>,
    private readonly limits: DecodeLimits,
  ) {
    for (const node of spec.nodes) {
      if (node.kind === 'detect') {
        const detector = detectors.get(node.model);
        if (!detector) throw new Error(`pipeline ${spec.id}: detector ${node.model} is not loaded`);
        this.detectorsByNode.set(node.id, detector);
      } else if (node.kind === 'ocr') {
        const engine = ocr.get(ocrKey(node.det_model, node.rec_model));
        if (!engine) throw new Error(`pipeline ${spec.id}: OCR models ${node.det_model} are not loaded`);
        this.ocrByNode.set(node.id, engine);
      }
    }
  }

  /** `alone`: no other frame is in any pipeline now, so detection may use every core. */
  async run(input: FrameInput, alone = false): Promise<PipelineResult> {
    const started = performance.now();
    const outputs = new Map<string, Promise<NodeOutput>>();
    for (const node of this.spec.nodes) {
      const inputs = node.kind === 'decode' ? [] : node.inputs.map((id) => outputs.get(id)!);
      outputs.set(
        node.id,
        Promise.all(inputs).then((values) => this.runNode(node, values, input, alone)),
      );
    }
    // Every node promise is awaited so a failing branch never leaves an unhandled rejection.
    const settled = await Promise.allSettled(outputs.values());
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const decoded = (await outputs.get(this.decodeNodeId())!) as { kind: 'decoded'; value: Decoded };
    const merged = (await outputs.get(this.spec.nodes[this.spec.nodes.length - 1].id)!) as {
      kind: 'partial';
      value: Branch;
    };
    const r = merged.value;
    return {
      image: { ...decoded.value.original },
      detections: r.detections,
      texts: r.texts,
      timings_ms: {
        decode: ms(decoded.value.ms + r.preprocess),
        inference: ms(r.inference),
        postprocess: ms(r.postprocess),
        total: ms(performance.now() - started),
      },
    };
  }

  private decodeNodeId(): string {
    return this.spec.nodes.find((n) => n.kind === 'decode')!.id;
  }

  private async runNode(
    node: PipelineNodeSpec,
    inputs: NodeOutput[],
    frame: FrameInput,
    alone: boolean,
  ): Promise<NodeOutput> {
    switch (node.kind) {
      case 'decode':
        return { kind: 'decoded', value: await this.decode(frame) };
      case 'detect': {
        const decoded = findDecoded(inputs);
        const detector = this.detectorsByNode.get(node.id)!;
        const lb = detector.layout(decoded.source.width, decoded.source.height);
        const image = decoded.views.get(viewKey(lb))!;
        const run = await detector.detect(image, lb, decoded.original, node.score_threshold, node.iou_threshold, alone);
        return {
          kind: 'partial',
          value: {
            detections: run.detections,
            texts: [],
            preprocess: run.preprocess_ms,
            inference: run.inference_ms,
            postprocess: run.postprocess_ms,
          },
        };
      }
      case 'ocr': {
        const decoded = findDecoded(inputs);
        const image = decoded.views.get('full')!;
        const result = await this.ocrByNode.get(node.id)!.recognize(image);
        return {
          kind: 'partial',
          value: {
            detections: [],
            texts: scaleTexts(result.texts, image, decoded.original),
            preprocess: 0,
            inference: result.inference_ms,
            postprocess: result.postprocess_ms,
          },
        };
      }
      case 'merge': {
        const parts = inputs.flatMap((o) => (o.kind === 'partial' ? [o.value] : []));
        return {
          kind: 'partial',
          value: {
            detections: parts.flatMap((p) => p.detections),
            texts: parts.flatMap((p) => p.texts),
            preprocess: sum(parts, 'preprocess'),
            inference: sum(parts, 'inference'),
            postprocess: sum(parts, 'postprocess'),
          },
        };
      }
    }
  }

  /** Produces every view the downstream nodes need (one per detector input size, plus full size for OCR) at once. */
  private async decode(frame: FrameInput): Promise<Decoded> {
    const t0 = performance.now();
    const source =
      frame.kind === 'raw'
        ? { width: frame.frame.width, height: frame.frame.height, orientation: 1 }
        : await probeImage(frame.bytes, this.limits);
    const wanted = new Map<string, ImageSize | null>();
    for (const detector of this.detectorsByNode.values()) {
      const lb = detector.layout(source.width, source.height);
      wanted.set(viewKey(lb), { width: lb.width, height: lb.height });
    }
    if (this.ocrByNode.size > 0) wanted.set('full', null);
    const views = new Map<string, RgbImage>();
    await Promise.all(
      [...wanted].map(async ([key, size]) => {
        const view =
          frame.kind === 'raw'
            ? size === null
              ? frame.frame
              : await resizeRaw(frame.frame, size)
            : await decodeImage(frame.bytes, size, source.orientation, this.limits);
        views.set(key, view);
      }),
    );
    return {
      original: frame.kind === 'raw' ? frame.original : { width: source.width, height: source.height },
      source,
      views,
      ms: performance.now() - t0,
    };
  }
}

export function ocrKey(det: string, rec: string): string {
  return `${det}+${rec}`;
}

function viewKey(size: { width: number; height: number }): string {
  return `${size.width}x${size.height}`;
}

function findDecoded(inputs: NodeOutput[]): Decoded {
  const found = inputs.find((o) => o.kind === 'decoded');
  if (!found || found.kind !== 'decoded') throw new Error('a detect or ocr node must read the decode node');
  return found.value;
}

function scaleTexts(texts: TextLine[], from: ImageSize, to: ImageSize): TextLine[] {
  if (from.width === to.width && from.height === to.height) return texts;
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  return texts.map((t) => ({
    ...t,
    box: { x1: t.box.x1 * sx, y1: t.box.y1 * sy, x2: t.box.x2 * sx, y2: t.box.y2 * sy },
    ...(t.polygon ? { polygon: t.polygon.map(([x, y]) => [x * sx, y * sy] as [number, number]) } : {}),
  }));
}

function sum(parts: Branch[], key: 'preprocess' | 'inference' | 'postprocess'): number {
  return parts.reduce((acc, p) => acc + p[key], 0);
}

function ms(v: number): number {
  return Math.round(v * 100) / 100;
}
