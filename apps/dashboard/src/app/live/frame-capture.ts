export interface Size {
  width: number;
  height: number;
}

/**
 * One frame as sent: the JPEG bytes at the size the pipeline asks for, and a bitmap of the same picture at display
 * size for drawing its overlay later.
 */
export interface CapturedFrame {
  jpeg: Blob;
  bitmap: ImageBitmap;
  /** The bitmap's size: the source fitted inside DISPLAY_MAX. */
  width: number;
  height: number;
  /** The JPEG's size: the pixels the server's answer is in. */
  sent: Size;
}

/** The picture the live view shows: the source fitted inside this, whatever size is sent. */
export const DISPLAY_MAX: Size = { width: 640, height: 480 };
const JPEG_QUALITY = 0.8;

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

/**
 * The size frames of a `source`-sized picture are sent at: fitted inside the pipeline's `frame_size` shrunk by the
 * adaptive rate's `scale`, never enlarged (a larger frame than `frame_size` only costs the server decoding).
 */
export function sendSize(source: Size, frameSize: Size, scale = 1): Size {
  return fitInside(source.width, source.height, frameSize.width * scale, frameSize.height * scale);
}

/**
 * The camera picture to ask for: at least the display size (640x480), more when the pipeline reads larger frames
 * (OCR's 1280x1280), so frames are sent at frame_size when the camera can give it. `ideal`: a camera that cannot is
 * used at its nearest size.
 */
export function cameraRequest(frameSize: Size): MediaTrackConstraints {
  return {
    width: { ideal: Math.max(DISPLAY_MAX.width, frameSize.width) },
    height: { ideal: Math.max(DISPLAY_MAX.height, frameSize.height) },
  };
}

/** The two canvases a capture draws into: the shown picture and the one encoded. */
export interface CaptureCanvases {
  display: HTMLCanvasElement;
  send: HTMLCanvasElement;
}

/**
 * Draws the video's current picture at display size and at `frameSize` x `scale`, and encodes the latter; null while
 * there is no picture yet.
 */
export async function captureFrame(
  video: HTMLVideoElement,
  canvases: CaptureCanvases,
  frameSize: Size,
  scale: number,
): Promise<CapturedFrame | null> {
  // HAVE_CURRENT_DATA: a picture exists to draw.
  if (video.readyState < 2 || video.videoWidth === 0) return null;
  const source = { width: video.videoWidth, height: video.videoHeight };
  const shown = fitInside(source.width, source.height, DISPLAY_MAX.width, DISPLAY_MAX.height);
  const sent = sendSize(source, frameSize, scale);
  const display = draw(video, canvases.display, shown);
  // Both drawn in one task, so both hold the same picture.
  const send = draw(video, canvases.send, sent);
  if (!display || !send) return null;
  // The bitmap is taken before the asynchronous encode, so both hold the same picture.
  const bitmapPromise = createImageBitmap(canvases.display);
  const jpeg = await new Promise<Blob | null>((resolve) => canvases.send.toBlob(resolve, 'image/jpeg', JPEG_QUALITY));
  const bitmap = await bitmapPromise;
  if (!jpeg) {
    bitmap.close();
    return null;
  }
  return { jpeg, bitmap, ...shown, sent };
}

function draw(video: HTMLVideoElement, canvas: HTMLCanvasElement, size: Size): boolean {
  canvas.width = size.width;
  canvas.height = size.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return false;
  ctx.drawImage(video, 0, 0, size.width, size.height);
  return true;
}
