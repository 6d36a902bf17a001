/** One frame as sent: the JPEG bytes and a bitmap of the same pixels for drawing its overlay later. */
export interface CapturedFrame {
  jpeg: Blob;
  bitmap: ImageBitmap;
  width: number;
  height: number;
}

export const CAPTURE_MAX_WIDTH = 640;
export const CAPTURE_MAX_HEIGHT = 480;
export const JPEG_QUALITY = 0.8;

/** The largest size with the source's aspect ratio inside max; never scales up. */
export function fitInside(
  width: number,
  height: number,
  maxWidth: number,
  maxHeight: number,
): { width: number; height: number } {
  if (width <= 0 || height <= 0) return { width: 0, height: 0 };
  const factor = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: Math.max(1, Math.round(width * factor)), height: Math.max(1, Math.round(height * factor)) };
}

/** Draws the video's current picture into the canvas and encodes it; null while no picture yet. */
export async function captureFrame(
  video: HTMLVideoElement,
  canvas: HTMLCanvasElement,
  scale: number,
): Promise<CapturedFrame | null> {
  // HAVE_CURRENT_DATA: a picture exists to draw.
  if (video.readyState < 2 || video.videoWidth === 0) return null;
  const size = fitInside(video.videoWidth, video.videoHeight, CAPTURE_MAX_WIDTH * scale, CAPTURE_MAX_HEIGHT * scale);
  canvas.width = size.width;
  canvas.height = size.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.drawImage(video, 0, 0, size.width, size.height);
  // The bitmap is taken before the asynchronous encode, so both hold the same picture.
  const bitmapPromise = createImageBitmap(canvas);
  const jpeg = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', JPEG_QUALITY));
  const bitmap = await bitmapPromise;
  if (!jpeg) {
    bitmap.close();
    return null;
  }
  return { jpeg, bitmap, ...size };
}
