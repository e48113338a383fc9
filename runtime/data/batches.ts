/**
 * Seeded shuffling, train/validation split and fixed-size mini-batches. Browser-safe.
 *
 * Compiled artifacts have a static batch size, so every batch handed to a session has exactly
 * `batchSize` rows. The last partial batch is handled one of two ways:
 *  - 'drop' (training): the remainder is skipped. Padded rows would enter the loss and the
 *    gradient; since the order is reshuffled every epoch, each sample is still seen.
 *  - 'pad' (evaluation): the remainder is filled with zero images labelled 0 and `size` says
 *    how many rows are real, so metrics count every sample exactly once and ignore the padding.
 */
import { sampleSize, type ImageDataset } from './dataset.ts';
import { mixSeed, mulberry32, permutation } from './prng.ts';

export type LastBatch = 'drop' | 'pad';

export interface Batch {
  /** f32[batchSize * sampleSize] */
  x: Float32Array;
  /** i32[batchSize] */
  y: Int32Array;
  /** rows holding real samples (< batchSize only for a padded last batch) */
  size: number;
  /** 0-based batch number within the epoch */
  index: number;
}

export interface SplitOptions {
  /** fraction of samples held out for validation (default 0.1); ignored when valCount is set */
  valFraction?: number;
  valCount?: number;
  seed: number;
}

/** Splits sample indices 0..count-1 into disjoint shuffled train and validation sets. */
export function splitTrainVal(count: number, options: SplitOptions): { train: Int32Array; val: Int32Array } {
  const valCount = options.valCount ?? Math.round(count * (options.valFraction ?? 0.1));
  if (!Number.isInteger(valCount) || valCount < 0 || valCount >= count) {
    throw new Error(`splitTrainVal: validation size ${valCount} must be an integer in [0, ${count - 1}] for ${count} samples`);
  }
  const order = permutation(count, mulberry32(mixSeed(options.seed, 0x5eed5)));
  // Sorted so that batches drawn without shuffling follow file order.
  return { val: order.slice(0, valCount).sort(), train: order.slice(valCount).sort() };
}

/** The order of `indices` for one epoch: a pure function of (seed, epoch), so resumed runs match. */
export function epochOrder(indices: Int32Array, seed: number, epoch: number): Int32Array {
  const p = permutation(indices.length, mulberry32(mixSeed(seed, epoch)));
  const out = new Int32Array(indices.length);
  for (let i = 0; i < p.length; i++) out[i] = indices[p[i]!]!;
  return out;
}

export function batchCount(samples: number, batchSize: number, lastBatch: LastBatch): number {
  return lastBatch === 'drop' ? Math.floor(samples / batchSize) : Math.ceil(samples / batchSize);
}

/** Yields fixed-size batches of `ds` in the given sample order. */
export function* batches(ds: ImageDataset, order: Int32Array, batchSize: number, lastBatch: LastBatch): Generator<Batch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  const size = sampleSize(ds);
  const n = batchCount(order.length, batchSize, lastBatch);
  for (let b = 0; b < n; b++) {
    const x = new Float32Array(batchSize * size);
    const y = new Int32Array(batchSize);
    const rows = Math.min(batchSize, order.length - b * batchSize);
    for (let r = 0; r < rows; r++) {
      const s = order[b * batchSize + r]!;
      if (s < 0 || s >= ds.count) throw new Error(`sample index ${s} out of range for a dataset of ${ds.count}`);
      if (ds.copySample) ds.copySample(s, x, r * size);
      else x.set(ds.images.subarray(s * size, (s + 1) * size), r * size);
      y[r] = ds.labels[s]!;
    }
    yield { x, y, size: rows, index: b };
  }
}
