import { z } from 'zod';
import { type Detection, type TextLine } from '@forgesyte/contracts';
import {
  type OcrEngine,
  type RgbImage,
  type SceneFrame,
  type SceneTracker,
  type TrackerOptions,
} from '@forgesyte/vision';
import { type Detector } from '../detector';
import { type DecodeLimits, type ImageSize } from '../image-decoder';

/** What a pipeline runs on: encoded bytes (JPEG, PNG) or a packed RGB frame. */
export type FrameInput =
  | { kind: 'encoded'; bytes: Buffer }
  /** `original`: the size boxes are reported in (the frame may have been scaled down before). */
  | { kind: 'raw'; frame: RgbImage; original: ImageSize };

/** The model families a manifest may list; a node says which of them it can use. */
export const MODEL_FAMILIES = ['yolox', 'ultralytics', 'ppocr-det', 'ppocr-rec'] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

/** What an ocr node needs: the in-process engine and the worker-thread one both fit. */
export type TextReader = Pick<OcrEngine, 'recognize'>;

/** The decode node's output: the frame at every size the other nodes asked for. */
export interface Decoded {
  /** Size boxes are reported in. */
  original: ImageSize;
  /** Size of the pixels the views were made from. */
  source: ImageSize;
  views: Map<string, RgbImage>;
  /**
   * The frame's bytes when the decoder chain hands its detector views to the detector worker (an upright JPEG that
   * TurboJPEG takes, see `FrameDecoder.decodesInWorker`): those views are then not in `views`, the worker decodes
   * the bytes straight into the model input.
   */
  jpeg: Buffer | null;
  ms: number;
}

/** What every other node produces: part of the final result, with the time it took. */
export interface Branch {
  detections: Detection[];
  texts: TextLine[];
  preprocess: number;
  inference: number;
  postprocess: number;
  /** Set by a track node: the scene's counts and events on this frame. */
  scene?: Omit<SceneFrame, 'trackIds'>;
}

export type NodeOutput = { kind: 'decoded'; value: Decoded } | { kind: 'partial'; value: Branch };

/** One run's per-caller state. */
export interface FrameContext {
  frame: FrameInput;
  /** No other frame is in any pipeline now, so detection may use every core. */
  alone: boolean;
  /** Alone, and the host's other processes leave the cores idle: the frame's model runs may spin-wait. */
  spin: boolean;
  /** The caller's scene (live session, camera, job) for a tracking pipeline; absent: a one-off frame. */
  scene?: SceneTurn;
}

/** A frame's turn at a scene: frames of one scene are tracked one at a time, in the order they were submitted. */
export interface SceneTurn {
  tracker: SceneTracker;
  /** Seconds on the scene's clock: the frame's time in the video, or its arrival in the session. */
  timeS: number;
  /** Resolves once every earlier frame of the scene has been tracked (or has failed before it was). */
  ready: Promise<void>;
  /** Called by the track node right after it updated the tracker with this frame (before any later frame can). */
  tracked(): void;
}

/** A model a node uses, and the families it accepts there. */
export interface ModelNeed {
  model: string;
  families: readonly ModelFamily[];
}

/** Loaded things a node may bind to, keyed as `Requirement` says. */
export type Requirement = { type: 'detector'; model: string } | { type: 'ocr'; det: string; rec: string };

export interface LoadedModels {
  detectors: Map<string, Detector>;
  ocr: Map<string, TextReader>;
}

/** What `GET /pipelines` says about a pipeline, filled in node by node. */
export interface Description {
  models: string[];
  classes: string[];
  /** The first detector's input size. */
  detectorInput?: ImageSize;
  /**
   * Per node that reads pixels, the box a frame must fill for that node to lose nothing (a detector: its input; OCR:
   * OCR_FRAME_SIZE). The pipeline's frame size holds them all.
   */
  frameNeeds: ImageSize[];
}

/** What the manifest knows, as a node's description and checks see it. */
export interface ManifestView {
  modelInput(id: string): ImageSize | undefined;
  labels(id: string): string[];
}

export interface BindContext {
  pipelineId: string;
  models: LoadedModels;
  limits: DecodeLimits;
  /** Every view the pipeline's nodes read, for a frame of `source` size. */
  viewsFor(source: ImageSize): Map<string, ViewRequest>;
}

/** One view of the decoded frame that nodes read. */
export interface ViewRequest {
  /** Its size, or null for the full frame. */
  size: ImageSize | null;
  /** Every node that reads it can take the encoded frame instead (`Decoded.jpeg`, see `BoundNode.readsJpeg`). */
  bytesSuffice: boolean;
}

/** A node bound to its loaded models, ready to run frames. */
export interface BoundNode {
  /** Views of the decoded frame this node reads. */
  views?(source: ImageSize): Map<string, ImageSize | null>;
  /** The node can use `Decoded.jpeg` instead of its views, decoding the bytes where it runs (the detector worker). */
  readsJpeg?: boolean;
  run(inputs: NodeOutput[], context: FrameContext): Promise<NodeOutput>;
}

interface NodeSpecBase {
  id: string;
  kind: string;
}

/**
 * One kind of pipeline node, in one module: its manifest schema, what it reads, which models it needs and how it
 * loads them, how it describes itself, and how it runs. The manifest, the loader and the graph loop over the
 * registry (`nodes/index.ts`) and never name a kind.
 */
export interface NodeKind<S extends NodeSpecBase> {
  readonly kind: S['kind'];
  readonly schema: z.ZodType<S, unknown>;
  /** Node ids this node reads (they must be listed before it). */
  inputs(spec: S): string[];
  /** Models the manifest must list, with the families allowed. */
  models(spec: S): ModelNeed[];
  /** What the loader must load before the node can bind. */
  requires(spec: S): Requirement[];
  describe(spec: S, into: Description, manifest: ManifestView): void;
  /** Checks that need the other nodes (`before`: the nodes listed before this one); a message on failure. */
  check?(spec: S, before: ReadonlyMap<string, NodeSpecBase>): string | null;
  /** Stateful kinds: the tracker settings a scene of this pipeline uses (a pipeline has at most one such node). */
  sceneOptions?(spec: S): Partial<TrackerOptions>;
  bind(spec: S, context: BindContext): BoundNode;
}

export function viewKey(size: ImageSize): string {
  return `${size.width}x${size.height}`;
}

export function ocrKey(det: string, rec: string): string {
  return `${det}+${rec}`;
}

export function findDecoded(inputs: NodeOutput[]): Decoded {
  const found = inputs.find((o) => o.kind === 'decoded');
  if (!found || found.kind !== 'decoded') throw new Error('a detect or ocr node must read the decode node');
  return found.value;
}

export function partials(inputs: NodeOutput[]): Branch[] {
  return inputs.flatMap((o) => (o.kind === 'partial' ? [o.value] : []));
}

export const id = z.string().regex(/^[a-z0-9_]+$/, { error: 'must be lower-case letters, digits and _' });
export const threshold = z.number().min(0).max(1);
