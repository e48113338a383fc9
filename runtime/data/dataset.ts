/**
 * An in-memory labelled image set, normalized to f32 and ready for batching. Browser-safe.
 */
export interface ImageDataset {
  /** f32[count * channels * height * width], sample-major (NCHW per sample) */
  images: Float32Array;
  labels: Int32Array;
  count: number;
  /** per-sample shape, e.g. [1, 28, 28] */
  sampleShape: number[];
  classNames: string[];
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
