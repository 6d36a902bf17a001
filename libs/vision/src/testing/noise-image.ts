/** Packed RGB of `width` x `height` pseudo-random bytes, the same for the same seed (specs only). */
export function noiseRgb(width: number, height: number, seed: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    data[i] = s >> 23;
  }
  return data;
}
