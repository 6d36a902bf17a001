const EXTENSIONS = /\.(mp4|m4v|mov)$/i;
const TYPES = ['video/mp4', 'video/quicktime', 'video/x-m4v'];

/**
 * Client-side check before uploading: the name or type says MP4/MOV and the bytes carry the ISO
 * base media `ftyp` box at offset 4. The server judges the bytes again; this only saves an operator
 * a long upload of the wrong file. Returns null when fine, else a sentence.
 */
export async function checkVideoFile(file: File): Promise<string | null> {
  if (!EXTENSIONS.test(file.name) && !TYPES.includes(file.type)) {
    return `"${file.name}" is not an MP4 video. Choose an .mp4 file.`;
  }
  if (file.size < 12) return `"${file.name}" is too small to be a video.`;
  const head = new Uint8Array(await readHead(file));
  const box = String.fromCharCode(...head.subarray(4, 8));
  return box === 'ftyp' ? null : `"${file.name}" does not look like an MP4 video (no ftyp header).`;
}

function readHead(file: File): Promise<ArrayBuffer> {
  const slice = file.slice(0, 12);
  if (typeof slice.arrayBuffer === 'function') return slice.arrayBuffer();
  // Older engines (and jsdom) only offer FileReader.
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as ArrayBuffer);
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsArrayBuffer(slice);
  });
}
