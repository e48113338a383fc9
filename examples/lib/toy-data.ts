/** Small synthetic data sets of the lectures' first models, as ImageDatasets the CLI can train on. */
import type { ImageDataset } from '../../runtime/data/dataset.ts';
import { Rng } from '../../compiler/frontend/init.ts';

/** a 2-input truth table, each row repeated so that batches and a validation split make sense */
export function truthTable(targets: [number, number, number, number], repeats = 64): ImageDataset {
  const rows = [[0, 0], [0, 1], [1, 0], [1, 1]];
  const count = rows.length * repeats;
  const images = new Float32Array(count * 2);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    images.set(rows[i % 4]!, 2 * i);
    labels[i] = targets[i % 4]!;
  }
  return { images, labels, count, sampleShape: [2], classNames: ['0', '1'] };
}

/** two Gaussian blobs, linearly separable (logistic regression) */
export function blobs(count: number, seed: number): ImageDataset {
  const rng = new Rng(seed);
  const images = new Float32Array(count * 2);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % 2;
    images[2 * i] = rng.normal() * 0.6 + (c ? 1.5 : -1.5);
    images[2 * i + 1] = rng.normal() * 0.6 + (c ? -1 : 1);
    labels[i] = c;
  }
  return { images, labels, count, sampleShape: [2], classNames: ['negative', 'positive'] };
}
