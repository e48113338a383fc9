import { describe, expect, it } from 'vitest';
import { batchCount, batches, epochOrder, splitTrainVal } from '../../runtime/data/batches.ts';
import { mulberry32, permutation } from '../../runtime/data/prng.ts';
import type { ImageDataset } from '../../runtime/data/dataset.ts';

const ds: ImageDataset = {
  images: Float32Array.from({ length: 10 * 2 }, (_, i) => i),
  labels: Int32Array.from({ length: 10 }, (_, i) => i),
  count: 10, sampleShape: [2], classNames: Array.from({ length: 10 }, (_, i) => String(i)),
};
const all = Int32Array.from({ length: 10 }, (_, i) => i);

describe('seeded shuffling', () => {
  it('mulberry32 matches the canonical JS snippet (signed arithmetic) and stays in [0, 1)', () => {
    // The widely copied reference implementation, verbatim in its integer steps.
    function reference(a: number) {
      return () => {
        let t = (a += 0x6d2b79f5);
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }
    for (const seed of [1, 42, 0xdeadbeef]) {
      const ours = mulberry32(seed);
      const ref = reference(seed | 0);
      for (let i = 0; i < 1000; i++) {
        const v = ours();
        expect(v).toBe(ref());
        expect(v >= 0 && v < 1).toBe(true);
      }
    }
  });

  it('permutations are reproducible per seed and differ across seeds and epochs', () => {
    const a = epochOrder(all, 7, 1);
    expect(Array.from(epochOrder(all, 7, 1))).toEqual(Array.from(a));
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from(all));
    expect(Array.from(epochOrder(all, 7, 2))).not.toEqual(Array.from(a));
    expect(Array.from(epochOrder(all, 8, 1))).not.toEqual(Array.from(a));
    expect(Array.from(permutation(5, mulberry32(3))).sort()).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('train/validation split', () => {
  it('is disjoint, complete and reproducible', () => {
    const s = splitTrainVal(100, { valFraction: 0.2, seed: 1 });
    expect(s.val.length).toBe(20);
    expect(s.train.length).toBe(80);
    expect(new Set([...s.train, ...s.val]).size).toBe(100);
    expect(Array.from(splitTrainVal(100, { valFraction: 0.2, seed: 1 }).val)).toEqual(Array.from(s.val));
    expect(Array.from(splitTrainVal(100, { valFraction: 0.2, seed: 2 }).val)).not.toEqual(Array.from(s.val));
    expect(() => splitTrainVal(5, { valCount: 5, seed: 1 })).toThrow(/validation size 5/);
  });
});

describe('batches', () => {
  it('drop mode yields only full batches with the right rows', () => {
    const order = Int32Array.of(3, 1, 4, 0, 2, 9, 8);
    const bs = [...batches(ds, order, 3, 'drop')];
    expect(bs.length).toBe(2);
    expect(batchCount(7, 3, 'drop')).toBe(2);
    expect(Array.from(bs[0]!.y)).toEqual([3, 1, 4]);
    expect(Array.from(bs[0]!.x)).toEqual([6, 7, 2, 3, 8, 9]);
    expect(bs[1]!.size).toBe(3);
  });

  it('pad mode zero-fills the last batch and reports its real size', () => {
    const bs = [...batches(ds, Int32Array.of(5, 6, 7, 8), 3, 'pad')];
    expect(bs.length).toBe(2);
    expect(bs[1]!.size).toBe(1);
    expect(Array.from(bs[1]!.y)).toEqual([8, 0, 0]);
    expect(Array.from(bs[1]!.x)).toEqual([16, 17, 0, 0, 0, 0]);
  });
});
