import { type Letterbox } from '../letterbox';
import { type RgbImage } from '../ocr/image';
import { resizeTables } from '../resize';
import { RESIZE_FILL_WASM } from './resize-fill-bytes';

/** The kernel's export; see resize-fill.wat for what each argument is. */
type ResizeFillExport = (
  src: number,
  rowBytes: number,
  row: number,
  xtab: number,
  width: number,
  ytab: number,
  height: number,
  dstR: number,
  dstG: number,
  dstB: number,
  dstStep: number,
  scale: number,
) => void;

const PAGE = 65536;
/**
 * Memory kept between calls: a 1920x1080 frame into a 640x640 input fits. WebAssembly memory cannot shrink, so
 * after a larger photo the kernel starts again on fresh memory rather than hold the photo's size for the thread's life.
 */
const RETAIN_MAX_BYTES = 16 * 1024 * 1024;
const align16 = (n: number) => (n + 15) & ~15;

/**
 * Byte addresses of one size's data in the kernel's memory: tables, one row of vertically blended values, the
 * tensor band (3 planes of inputWidth x height: the rows the image lands on, its padding columns included) and the
 * source, last and with 16 bytes to spare for the kernel's whole-block reads.
 */
interface Layout {
  key: string;
  xtab: number;
  ytab: number;
  row: number;
  rowBytes: number;
  band: number;
  src: number;
  end: number;
  /** Pad value the band's side columns hold; NaN until written. */
  pad: number;
}

/**
 * The WebAssembly SIMD version of the resize in `fillTensorResized`: the same values, bit for bit, at a fraction of
 * the time. It works in memory of its own: the source is copied in, the image rows are copied out into the tensor.
 * One per thread (each worker loads its own); not reentrant, which JavaScript's single thread guarantees.
 */
export class ResizeFillKernel {
  private layout: Layout | null = null;
  private memory!: WebAssembly.Memory;
  private run!: ResizeFillExport;

  private constructor(private readonly module: WebAssembly.Module) {
    this.instantiate();
  }

  /** Null where WebAssembly or its SIMD instructions are not available. */
  static create(): ResizeFillKernel | null {
    if (typeof WebAssembly !== 'object') return null;
    const bytes = Buffer.from(RESIZE_FILL_WASM, 'base64');
    if (!WebAssembly.validate(bytes)) return null;
    return new ResizeFillKernel(new WebAssembly.Module(bytes));
  }

  /** Bytes of memory the kernel holds now. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  private instantiate(): void {
    this.memory = new WebAssembly.Memory({ initial: 1 });
    const instance = new WebAssembly.Instance(this.module, { env: { memory: this.memory } });
    this.run = instance.exports.resizeFill as ResizeFillExport;
    this.layout = null;
  }

  /**
   * Writes the image part of the tensor: rows `lb.top` to `lb.top + lb.height` of each plane, side padding included,
   * as `fillTensorResized` would. The caller has checked the sizes (`src` is wider than one pixel, the scaled image
   * at least 4 pixels wide) and writes the rows above and below.
   */
  fillRows(src: RgbImage, lb: Letterbox, bgr: boolean, scale: number, pad: number, out: Float32Array): void {
    const { inputWidth: iw, width: w, height: h, left, top } = lb;
    const layout = this.prepare(src, lb);
    const heap = this.memory.buffer;
    const bandPlane = iw * h;
    if (!Object.is(layout.pad, Math.fround(pad))) {
      const band = new Float32Array(heap, layout.band, 3 * bandPlane);
      // Only the side columns: the image part is rewritten by every call.
      if (w !== iw) for (let row = 0; row < 3 * h; row++) band.fill(pad, row * iw, row * iw + iw);
      layout.pad = Math.fround(pad);
    }
    const bytes = src.width * src.height * 3;
    new Uint8Array(heap, layout.src, bytes).set(src.data.subarray(0, bytes));
    const image = layout.band + left * 4;
    const planeBytes = bandPlane * 4;
    const red = image + (bgr ? 2 : 0) * planeBytes;
    const blue = image + (bgr ? 0 : 2) * planeBytes;
    this.run(
      layout.src,
      layout.rowBytes,
      layout.row,
      layout.xtab,
      w,
      layout.ytab,
      h,
      red,
      image + planeBytes,
      blue,
      iw * 4,
      scale,
    );
    const band = new Float32Array(heap, layout.band, 3 * bandPlane);
    const plane = iw * lb.inputHeight;
    for (let k = 0; k < 3; k++) out.set(band.subarray(k * bandPlane, (k + 1) * bandPlane), k * plane + top * iw);
    if (this.memoryBytes > RETAIN_MAX_BYTES) this.instantiate();
  }

  /** The layout for this size, tables written, memory grown to fit. */
  private prepare(src: RgbImage, lb: Letterbox): Layout {
    const { width: sw, height: sh } = src;
    const { inputWidth: iw, width: w, height: h, left } = lb;
    const key = `${sw}x${sh}>${w}x${h}@${left}/${iw}`;
    if (this.layout?.key === key) return this.layout;
    const rowBytes = align16(sw * 3);
    const xtab = 0;
    const ytab = align16(xtab + w * 8);
    const row = align16(ytab + h * 12);
    const band = align16(row + rowBytes * 4 + 16);
    const srcAt = align16(band + 3 * iw * h * 4);
    const end = srcAt + sw * sh * 3 + 16;
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    const { xOffset, xWeight, y, yWeight } = resizeTables(sw, sh, w, h);
    const heap = new Int32Array(this.memory.buffer);
    for (let i = 0; i < w; i++) {
      heap[(xtab >> 2) + 2 * i] = row + xOffset[i]! * 4;
      heap[(xtab >> 2) + 2 * i + 1] = xWeight[i]!;
    }
    const stride = sw * 3;
    for (let i = 0; i < h; i++) {
      heap[(ytab >> 2) + 3 * i] = y.index0[i]! * stride;
      heap[(ytab >> 2) + 3 * i + 1] = y.index1[i]! * stride;
      heap[(ytab >> 2) + 3 * i + 2] = yWeight[i]!;
    }
    this.layout = { key, xtab, ytab, row, rowBytes, band, src: srcAt, end, pad: NaN };
    return this.layout;
  }
}

let shared: ResizeFillKernel | null | undefined;

/** This thread's kernel, created on first use; null where it cannot run (the JavaScript version does the work). */
export function resizeFillKernel(): ResizeFillKernel | null {
  if (shared === undefined) shared = ResizeFillKernel.create();
  return shared;
}
