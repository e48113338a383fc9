/**
 * An in-memory labelled image set, normalized to f32 and ready for batching. Browser-safe.
 */
export interface ImageDataset {
  /**
   * f32[count * channels * height * width], sample-major (NCHW per sample). A dataset made by
   * pixelDataset builds it on first access: a whole training split is 188 MB of f32.
   */
  images: Float32Array;
  labels: Int32Array;
  count: number;
  /** per-sample shape, e.g. [1, 28, 28] */
  sampleShape: number[];
  classNames: string[];
  /**
   * Copies sample `s`, normalized, into `out` at `offset` without building `images` (what
   * batches() uses when a dataset has it). Same values as `images`.
   */
  copySample?(s: number, out: Float32Array, offset: number): void;
}

export interface NormalizeOptions {
  /** subtracted after scaling to [0, 1] (e.g. 0.2860 for Fashion-MNIST) */
  mean?: number;
  /** divides after subtracting the mean (e.g. 0.3530 for Fashion-MNIST) */
  std?: number;
}

/** Scales ubyte pixels to [0, 1], then optionally standardizes with (x - mean) / std. */
export function normalizePixels(pixels: Uint8Array, options: NormalizeOptions = {}): Float32Array {
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  if (!(std > 0)) throw new Error(`normalizePixels: std must be > 0, got ${std}`);
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = (pixels[i]! / 255 - mean) / std;
  return out;
}

/**
 * A dataset over ubyte pixels that normalizes per sample as batches are drawn, through a
 * 256-entry table holding exactly normalizePixels' values; `images` is built (once) only
 * when something reads it. Loading a split so costs no 4-byte-per-pixel copy up front.
 */
export function pixelDataset(
  pixels: Uint8Array, fields: Omit<ImageDataset, 'images' | 'copySample'>, options: NormalizeOptions = {},
): ImageDataset {
  const table = normalizePixels(Uint8Array.from({ length: 256 }, (_, i) => i), options);
  const size = sampleSize(fields);
  if (pixels.length !== fields.count * size) throw new Error(`pixelDataset: ${pixels.length} pixels for ${fields.count} samples of ${size}`);
  let images: Float32Array | undefined;
  return {
    ...fields,
    get images() {
      if (!images) {
        images = new Float32Array(pixels.length);
        for (let i = 0; i < pixels.length; i++) images[i] = table[pixels[i]!]!;
      }
      return images;
    },
    copySample(s, out, offset) {
      const from = s * size;
      for (let i = 0; i < size; i++) out[offset + i] = table[pixels[from + i]!]!;
    },
  };
}

/** The first `limit` samples (a view-free copy), for quick runs and tests. */
export function takeFirst(ds: ImageDataset, limit: number): ImageDataset {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${limit}`);
  const n = Math.min(limit, ds.count);
  const size = sampleSize(ds);
  return { ...ds, count: n, images: ds.images.slice(0, n * size), labels: ds.labels.slice(0, n) };
}

export function sampleSize(ds: Pick<ImageDataset, 'sampleShape'>): number {
  return ds.sampleShape.reduce((a, b) => a * b, 1);
}
