import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeIdxUbyte, parseIdx, parseIdxImages, parseIdxLabels } from '../../runtime/data/idx.ts';
import { normalizePixels, pixelDataset } from '../../runtime/data/dataset.ts';
import { batches } from '../../runtime/data/batches.ts';
import { loadFashionMnist, startLoadingFashionMnist, DEBIAN_FASHION_MNIST_DIR } from '../../runtime/node/fashion-mnist.ts';
import { existsSync } from 'node:fs';

function fixtureDir(gzip: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'axon-idx-'));
  const pixels = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);
  const labels = Uint8Array.of(9, 0, 4);
  const put = (name: string, bytes: Uint8Array) => writeFileSync(join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  for (const split of ['train', 't10k']) {
    put(`${split}-images-idx3-ubyte`, encodeIdxUbyte([3, 2, 2], pixels));
    put(`${split}-labels-idx1-ubyte`, encodeIdxUbyte([3], labels));
  }
  return dir;
}

describe('IDX parsing', () => {
  it('reads dims and ubyte data', () => {
    const t = parseIdx(encodeIdxUbyte([2, 3], Uint8Array.of(1, 2, 3, 4, 5, 6)));
    expect(t.dims).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads big-endian int32 data', () => {
    const bytes = Uint8Array.of(0, 0, 0x0c, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 0);
    const t = parseIdx(bytes);
    expect(t.data).toBeInstanceOf(Int32Array);
    expect(Array.from(t.data)).toEqual([-2, 256]);
  });

  it('rejects a bad magic, a size mismatch, gzip bytes and wrong ranks with clear errors', () => {
    expect(() => parseIdx(Uint8Array.of(1, 2, 8, 1, 0, 0, 0, 0), 'f.idx')).toThrow(/f\.idx: bad IDX magic 01 02 08 01/);
    const good = encodeIdxUbyte([4], Uint8Array.of(1, 2, 3, 4));
    expect(() => parseIdx(good.subarray(0, good.length - 1))).toThrow(/size mismatch: header says ubyte\[4\] = 12 bytes, file has 11/);
    expect(() => parseIdx(gzipSync(good))).toThrow(/gzip-compressed/);
    expect(() => parseIdxImages(good)).toThrow(/expected ubyte images \[N, H, W\], got Uint8Array\[4\]/);
    expect(() => parseIdxLabels(encodeIdxUbyte([2, 2], new Uint8Array(4)))).toThrow(/expected ubyte labels/);
  });

  it('normalizes to [0, 1] and optionally standardizes', () => {
    expect(Array.from(normalizePixels(Uint8Array.of(0, 255, 51)))).toEqual([0, 1, Math.fround(0.2)]);
    const z = normalizePixels(Uint8Array.of(0, 255), { mean: 0.5, std: 0.25 });
    expect(Array.from(z)).toEqual([-2, 2]);
  });
});

describe('Fashion-MNIST loader', () => {
  for (const gzip of [true, false]) {
    it(`loads ${gzip ? 'gzipped' : 'plain'} IDX files from --data DIR`, () => {
      const ds = loadFashionMnist('train', { dir: fixtureDir(gzip) });
      expect(ds.count).toBe(3);
      expect(ds.sampleShape).toEqual([1, 2, 2]);
      expect(Array.from(ds.labels)).toEqual([9, 0, 4]);
      expect(ds.images[1]).toBeCloseTo(20 / 255, 6);
      expect(ds.classNames[9]).toBe('Ankle boot');
      expect(loadFashionMnist('test', { dir: fixtureDir(gzip), limit: 2 }).count).toBe(2);
    });
  }

  it('startLoadingFashionMnist gives the count and shape at once and then the same dataset as loadFashionMnist', async () => {
    for (const gzip of [true, false]) {
      const dir = fixtureDir(gzip);
      const loading = startLoadingFashionMnist('train', { dir, limit: 2, mean: 0.25, std: 0.5 });
      expect([loading.count, loading.sampleShape, loading.classNames.length]).toEqual([2, [1, 2, 2], 10]);
      const ds = await loading.dataset;
      const sync = loadFashionMnist('train', { dir, limit: 2, mean: 0.25, std: 0.5 });
      expect(Array.from(ds.labels)).toEqual([9, 0]);
      expect(Array.from(ds.images)).toEqual(Array.from(sync.images));
      expect(Array.from(ds.images)).toEqual(Array.from(normalizePixels(Uint8Array.from({ length: 8 }, (_, i) => i * 20), { mean: 0.25, std: 0.5 })));
    }
  });

  it('a truncated images file fails the pending load with its path, and no unhandled rejection', async () => {
    const dir = fixtureDir(false);
    const path = join(dir, 'train-images-idx3-ubyte');
    writeFileSync(path, encodeIdxUbyte([3, 2, 2], new Uint8Array(12)).subarray(0, 20));
    const loading = startLoadingFashionMnist('train', { dir });
    await new Promise((r) => setTimeout(r, 50)); // the read fails before anyone awaits it
    await expect(loading.dataset).rejects.toThrow(/train-images-idx3-ubyte: IDX size mismatch/);
  });

  it('says how to get the data when it is missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'axon-nodata-'));
    expect(() => loadFashionMnist('train', { dir: empty })).toThrow(/Fashion-MNIST not found: no train-images-idx3-ubyte\(\.gz\) in .*axon-nodata-/);
    expect(() => loadFashionMnist('train', { dir: empty })).toThrow(/sudo apt-get install dataset-fashion-mnist/);
    expect(() => loadFashionMnist('train', { dir: empty })).toThrow(/--data DIR/);
  });

  it.runIf(existsSync(join(DEBIAN_FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz')))('loads the real Debian test split (10,000 images, 28×28)', () => {
    const ds = loadFashionMnist('test', { dir: DEBIAN_FASHION_MNIST_DIR });
    expect(ds.count).toBe(10000);
    expect(ds.sampleShape).toEqual([1, 28, 28]);
    const counts = new Array(10).fill(0);
    for (const l of ds.labels) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1000));
  });
});

describe('pixelDataset', () => {
  const pixels = Uint8Array.from({ length: 5 * 3 }, (_, i) => (i * 37) % 256);
  const fields = { labels: Int32Array.of(0, 1, 2, 3, 4), count: 5, sampleShape: [3], classNames: ['a', 'b', 'c', 'd', 'e'] };
  const options = { mean: 0.2860, std: 0.3530 };

  it('normalizes per sample exactly as normalizePixels does, and builds `images` only when read', () => {
    const ds = pixelDataset(pixels, fields, options);
    const expected = normalizePixels(pixels, options);
    const out = new Float32Array(3);
    for (let s = 0; s < 5; s++) {
      ds.copySample!(s, out, 0);
      expect(Array.from(out)).toEqual(Array.from(expected.subarray(s * 3, s * 3 + 3)));
    }
    expect(Array.from(ds.images)).toEqual(Array.from(expected));
    expect(ds.images).toBe(ds.images); // built once
  });

  it('batches() gives the same batches through copySample as through images', () => {
    const lazy = pixelDataset(pixels, fields, options);
    const eager = { ...fields, images: normalizePixels(pixels, options) };
    const order = Int32Array.of(4, 0, 3, 1, 2);
    const a = [...batches(lazy, order, 2, 'pad')];
    const b = [...batches(eager, order, 2, 'pad')];
    expect(a.map((x) => [Array.from(x.x), Array.from(x.y), x.size])).toEqual(b.map((x) => [Array.from(x.x), Array.from(x.y), x.size]));
  });

  it('rejects pixels that do not fill count × sample size', () => {
    expect(() => pixelDataset(pixels.subarray(1), fields)).toThrow(/14 pixels for 5 samples of 3/);
  });
});
