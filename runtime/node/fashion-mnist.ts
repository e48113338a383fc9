/**
 * Loads Fashion-MNIST (or MNIST: same file names and format) from IDX files on disk, gzipped
 * or plain. Where it looks, in order: the `dir` argument (--data DIR), $AXON_DATA, then
 * Debian's dataset-fashion-mnist location.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isGzip, parseIdxImages, parseIdxLabels } from '../data/idx.ts';
import { normalizePixels, type ImageDataset, type NormalizeOptions } from '../data/dataset.ts';

export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

const FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};

export interface LoadOptions extends NormalizeOptions {
  /** directory with the four IDX files (.gz or plain); default $AXON_DATA, then the Debian path */
  dir?: string;
  /** keep only the first N samples of each split */
  limit?: number;
}

export function dataDirCandidates(dir?: string): string[] {
  if (dir) return [dir];
  return [process.env.AXON_DATA, DEBIAN_FASHION_MNIST_DIR].filter((d): d is string => !!d);
}

export function missingDataMessage(searched: string[], missingFile: string): string {
  return [
    `Fashion-MNIST not found: no ${missingFile}(.gz) in ${searched.join(' or ')}.`,
    'Get the data one of two ways:',
    '  - Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist   (installs into /usr/share/datasets/fashion-mnist)',
    '  - or download the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,',
    '    t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) from the Fashion-MNIST repository',
    '    (github.com/zalandoresearch/fashion-mnist, data/fashion) into a directory and pass --data DIR',
    '    (or set AXON_DATA=DIR).',
  ].join('\n');
}

/** Finds `name` or `name.gz` in the first candidate directory holding it; reads and gunzips it. */
function readIdxFile(dirs: string[], name: string): { bytes: Uint8Array; path: string } {
  for (const dir of dirs) {
    for (const path of [join(dir, name), join(dir, `${name}.gz`)]) {
      if (!existsSync(path)) continue;
      try {
        const raw = new Uint8Array(readFileSync(path));
        return { bytes: isGzip(raw) ? new Uint8Array(gunzipSync(raw)) : raw, path };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new Error(`${path}: ${code === 'EISDIR' ? 'is a directory, not an IDX file' : code?.startsWith('Z_') ? `not a readable gzip file (${(e as Error).message})` : (e as Error).message}`);
      }
    }
  }
  throw new Error(missingDataMessage(dirs, name));
}

/** One split ('train': 60,000 images; 'test': 10,000) as a normalized [N, 1, 28, 28] dataset. */
export function loadFashionMnist(split: 'train' | 'test', options: LoadOptions = {}): ImageDataset {
  const dirs = dataDirCandidates(options.dir);
  const imgFile = readIdxFile(dirs, FILES[split].images);
  const lblFile = readIdxFile(dirs, FILES[split].labels);
  const images = parseIdxImages(imgFile.bytes, imgFile.path);
  const labels = parseIdxLabels(lblFile.bytes, lblFile.path);
  if (labels.length !== images.count) {
    throw new Error(`${lblFile.path}: ${labels.length} labels but ${imgFile.path} has ${images.count} images`);
  }
  const count = options.limit ? Math.min(options.limit, images.count) : images.count;
  const pixels = images.pixels.subarray(0, count * images.height * images.width);
  for (let i = 0; i < count; i++) {
    if (labels[i]! < 0 || labels[i]! >= FASHION_MNIST_CLASSES.length) throw new Error(`${lblFile.path}: label ${labels[i]} at index ${i} is not a class 0..9`);
  }
  return {
    images: normalizePixels(pixels, options),
    labels: labels.slice(0, count),
    count,
    sampleShape: [1, images.height, images.width],
    classNames: FASHION_MNIST_CLASSES,
  };
}
