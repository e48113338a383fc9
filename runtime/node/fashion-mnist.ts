/**
 * Loads Fashion-MNIST (or MNIST: same file names and format) from IDX files on disk, gzipped
 * or plain. Where it looks, in order: the `dir` argument (--data DIR), $AXON_DATA, then
 * Debian's dataset-fashion-mnist location.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { constants as zlibConstants, gunzip, gunzipSync } from 'node:zlib';
import { isGzip, parseIdxImages, parseIdxImagesHeader, parseIdxLabels } from '../data/idx.ts';
import { pixelDataset, type ImageDataset, type NormalizeOptions } from '../data/dataset.ts';

const gunzipAsync = promisify(gunzip);

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

/** Finds `name` or `name.gz` in the first candidate directory holding it. */
function findIdxFile(dirs: string[], name: string): string {
  for (const dir of dirs) {
    for (const path of [join(dir, name), join(dir, `${name}.gz`)]) if (existsSync(path)) return path;
  }
  throw new Error(missingDataMessage(dirs, name));
}

function readError(path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code;
  return new Error(`${path}: ${code === 'EISDIR' ? 'is a directory, not an IDX file' : code?.startsWith('Z_') ? `not a readable gzip file (${(e as Error).message})` : (e as Error).message}`);
}

/** A Buffer as a plain Uint8Array over the same memory (no copy). */
const bytesOf = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/**
 * zlib's output chunk: the whole decompressed size (gzip's trailer holds it mod 2^32), so the
 * output is one buffer, not 16 KiB chunks concatenated at the end (a second 47 MB copy).
 */
function gunzipOptions(raw: Uint8Array): { chunkSize: number } {
  const size = raw.length >= 18 ? new DataView(raw.buffer, raw.byteOffset + raw.length - 4, 4).getUint32(0, true) : 0;
  return { chunkSize: Math.min(Math.max(size + 1, 64 * 1024), 2 ** 30) };
}

/** Reads and gunzips one IDX file (synchronously). */
function readIdxFile(path: string): Uint8Array {
  try {
    const raw = bytesOf(readFileSync(path));
    return isGzip(raw) ? bytesOf(gunzipSync(raw, gunzipOptions(raw))) : raw;
  } catch (e) {
    throw readError(path, e);
  }
}

/**
 * The same with the decompression on libuv's thread pool, one task, so that it overlaps whatever
 * the main thread does meanwhile (compiling). The read itself stays synchronous (tens of ms):
 * fs.promises.readFile goes in 512 KiB steps that each wait for the main thread's event loop,
 * which a compile keeps busy.
 */
async function readIdxFileAsync(path: string): Promise<Uint8Array> {
  try {
    const raw = bytesOf(readFileSync(path));
    return isGzip(raw) ? bytesOf(await gunzipAsync(raw, gunzipOptions(raw))) : raw;
  } catch (e) {
    throw readError(path, e);
  }
}

/** The first bytes of an IDX file (its header), decompressing only the start of a .gz. */
function readIdxHead(path: string): Uint8Array {
  try {
    const fd = openSync(path, 'r');
    const head = new Uint8Array(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    const bytes = head.subarray(0, n);
    if (!isGzip(bytes)) return bytes;
    const start = new Uint8Array(gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH }));
    // a damaged .gz can yield nothing from its first block without an error: decoding the whole
    // file then reports what is wrong with it (a header too short would blame the wrong thing)
    if (start.length < 16) return readIdxFile(path); // throws an error that names the file already
    return start;
  } catch (e) {
    throw e instanceof Error && e.message.startsWith(`${path}: `) ? e : readError(path, e);
  }
}

/** A split whose labels and image header are read and whose pixels are still loading. */
export interface LoadingSplit extends Pick<ImageDataset, 'count' | 'sampleShape' | 'classNames'> {
  /** the whole split, once the pixels are read and checked */
  dataset: Promise<ImageDataset>;
}

/**
 * Starts loading a split: the labels file (small) and the images header are read now, so the
 * count and sample shape are known at once, while the images (26 MB of gzip for the training
 * split) are read and decompressed off the main thread.
 */
export function startLoadingFashionMnist(split: 'train' | 'test', options: LoadOptions = {}): LoadingSplit {
  const dirs = dataDirCandidates(options.dir);
  const imagesPath = findIdxFile(dirs, FILES[split].images);
  const labelsPath = findIdxFile(dirs, FILES[split].labels);
  const labels = checkedLabels(parseIdxLabels(readIdxFile(labelsPath), labelsPath), labelsPath);
  const head = parseIdxImagesHeader(readIdxHead(imagesPath), imagesPath);
  if (labels.length !== head.count) throw new Error(`${labelsPath}: ${labels.length} labels but ${imagesPath} has ${head.count} images`);
  const count = options.limit ? Math.min(options.limit, head.count) : head.count;
  const fields = { count, sampleShape: [1, head.height, head.width], classNames: FASHION_MNIST_CLASSES };
  const dataset = readIdxFileAsync(imagesPath).then((bytes) => splitDataset(bytes, imagesPath, labels, labelsPath, options));
  dataset.catch(() => {}); // the caller awaits it later; an early failure must not be an unhandled rejection meanwhile
  return { ...fields, dataset };
}

/** One split ('train': 60,000 images; 'test': 10,000) as a normalized [N, 1, 28, 28] dataset. */
export function loadFashionMnist(split: 'train' | 'test', options: LoadOptions = {}): ImageDataset {
  const dirs = dataDirCandidates(options.dir);
  const imagesPath = findIdxFile(dirs, FILES[split].images);
  const labelsPath = findIdxFile(dirs, FILES[split].labels);
  const labels = checkedLabels(parseIdxLabels(readIdxFile(labelsPath), labelsPath), labelsPath);
  return splitDataset(readIdxFile(imagesPath), imagesPath, labels, labelsPath, options);
}

function checkedLabels(labels: Int32Array, path: string): Int32Array {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! < 0 || labels[i]! >= FASHION_MNIST_CLASSES.length) throw new Error(`${path}: label ${labels[i]} at index ${i} is not a class 0..9`);
  }
  return labels;
}

function splitDataset(imageBytes: Uint8Array, imagesPath: string, labels: Int32Array, labelsPath: string, options: LoadOptions): ImageDataset {
  // the decompressed bytes are ours: view the pixels in place rather than copying 47 MB (parseIdxImages)
  const images = parseIdxImagesHeader(imageBytes, imagesPath);
  const pixelBytes = images.count * images.height * images.width;
  const headerBytes = 16;
  if (imageBytes.length !== headerBytes + pixelBytes) parseIdxImages(imageBytes, imagesPath); // throws the size mismatch
  if (labels.length !== images.count) {
    throw new Error(`${labelsPath}: ${labels.length} labels but ${imagesPath} has ${images.count} images`);
  }
  const count = options.limit ? Math.min(options.limit, images.count) : images.count;
  const pixels = imageBytes.subarray(headerBytes, headerBytes + count * images.height * images.width);
  // normalized per batch (pixelDataset), not as one 188 MB f32 copy before the first step
  return pixelDataset(pixels, {
    labels: labels.slice(0, count), count, sampleShape: [1, images.height, images.width], classNames: FASHION_MNIST_CLASSES,
  }, options);
}
