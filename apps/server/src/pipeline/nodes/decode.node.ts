import { z } from 'zod';
import { type RgbImage } from '@forgesyte/vision';
import { decodedInWorker, decodeImage, probeImage, resizeRaw, type ImageSize } from '../image-decoder';
import { id, type BindContext, type Decoded, type FrameInput, type NodeKind } from './node-kind';

export const decodeSchema = z.object({ id, kind: z.literal('decode') });
export type DecodeNodeSpec = z.infer<typeof decodeSchema>;

/** The one source node: decodes the frame once into every view the other nodes asked for. */
export const decodeNode: NodeKind<DecodeNodeSpec> = {
  kind: 'decode',
  schema: decodeSchema,
  inputs: () => [],
  models: () => [],
  requires: () => [],
  describe: () => undefined,
  bind: (_spec, context) => ({
    run: async (_inputs, { frame }) => ({ kind: 'decoded', value: await decodeViews(frame, context) }),
  }),
};

/** Produces every view the downstream nodes need (one per detector input size, plus full size for OCR) at once. */
async function decodeViews(frame: FrameInput, context: BindContext): Promise<Decoded> {
  const t0 = performance.now();
  const source =
    frame.kind === 'raw'
      ? { width: frame.frame.width, height: frame.frame.height, orientation: 1 }
      : await probeImage(frame.bytes, context.limits);
  const views = new Map<string, RgbImage>();
  const jpeg = frame.kind === 'encoded' && decodedInWorker(frame.bytes, source.orientation) ? frame.bytes : null;
  await Promise.all(
    [...context.viewsFor(source)].map(async ([key, view]) => {
      if (jpeg && view.bytesSuffice) return;
      views.set(key, await makeView(frame, view.size, source.orientation, context));
    }),
  );
  return {
    original: frame.kind === 'raw' ? frame.original : { width: source.width, height: source.height },
    source,
    views,
    jpeg,
    ms: performance.now() - t0,
  };
}

function makeView(
  frame: FrameInput,
  size: ImageSize | null,
  orientation: number,
  context: BindContext,
): Promise<RgbImage> {
  if (frame.kind === 'encoded') return decodeImage(frame.bytes, size, orientation, context.limits);
  return size === null ? Promise.resolve(frame.frame) : resizeRaw(frame.frame, size);
}
