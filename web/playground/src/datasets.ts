/**
 * The 2-D classification datasets of the playground, on the plane [-6, 6]², labels 0/1.
 * Seeded (mulberry32 from runtime/data) so a page reload and the test see the same points.
 */
import { mulberry32, permutation, type Random } from '../../../runtime/data/index.ts';

export type DatasetName = 'xor' | 'circles' | 'spirals' | 'blobs';
export const DATASETS: Record<DatasetName, string> = { xor: 'XOR', circles: 'Circles', spirals: 'Two spirals', blobs: 'Gaussian blobs' };

/** Half-width of the plane the points and heat maps cover. */
export const EXTENT = 6;

export interface Points {
  /** x1, x2 interleaved */
  xy: Float32Array;
  labels: Int32Array;
}

export interface Split {
  train: Points;
  test: Points;
}

function gaussian(rand: Random): number {
  // Box–Muller; 1 − u keeps log away from 0
  const u = 1 - rand(), v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

type Generator = (n: number, noise: number, rand: Random) => { x: number[]; y: number[] };

const generators: Record<DatasetName, Generator> = {
  xor(n, noise, rand) {
    const x: number[] = [], y: number[] = [];
    for (let i = 0; i < n; i++) {
      // keep points off the axes so the clean dataset is separable
      const a = (rand() * 10 - 5), b = (rand() * 10 - 5);
      const px = a + (a > 0 ? 0.3 : -0.3), py = b + (b > 0 ? 0.3 : -0.3);
      x.push(px + noise * 2.5 * gaussian(rand), py + noise * 2.5 * gaussian(rand));
      y.push(px * py >= 0 ? 1 : 0);
    }
    return { x, y };
  },
  circles(n, noise, rand) {
    const x: number[] = [], y: number[] = [];
    for (let i = 0; i < n; i++) {
      const inner = i % 2 === 0;
      const r = inner ? rand() * 2.2 : 3.3 + rand() * 1.7, a = rand() * 2 * Math.PI;
      x.push(r * Math.cos(a) + noise * 2 * gaussian(rand), r * Math.sin(a) + noise * 2 * gaussian(rand));
      y.push(inner ? 1 : 0);
    }
    return { x, y };
  },
  spirals(n, noise, rand) {
    const x: number[] = [], y: number[] = [];
    for (let i = 0; i < n; i++) {
      const cls = i % 2, t = Math.floor(i / 2) / (n / 2);
      const r = 5 * t + 0.2, a = 1.75 * t * 2 * Math.PI + cls * Math.PI;
      x.push(r * Math.sin(a) + noise * 1.5 * gaussian(rand), r * Math.cos(a) + noise * 1.5 * gaussian(rand));
      y.push(cls);
    }
    return { x, y };
  },
  blobs(n, noise, rand) {
    const x: number[] = [], y: number[] = [];
    const spread = 0.6 + noise * 3;
    for (let i = 0; i < n; i++) {
      const cls = i % 2, c = cls ? 2 : -2;
      x.push(c + spread * gaussian(rand), c + spread * gaussian(rand));
      y.push(cls);
    }
    return { x, y };
  },
};

/**
 * n points of `name`, with `noise` in [0, 1] (0 = clean), shuffled and split so that
 * `trainFraction` of them are for training.
 */
export function makeDataset(name: DatasetName, n: number, noise: number, trainFraction: number, seed = 7): Split {
  const rand = mulberry32(seed);
  const { x, y } = generators[name](n, noise, rand);
  const order = permutation(n, rand);
  const nTrain = Math.max(1, Math.min(n - 1, Math.round(n * trainFraction)));
  const pick = (ids: Int32Array): Points => {
    const xy = new Float32Array(ids.length * 2), labels = new Int32Array(ids.length);
    ids.forEach((id, i) => {
      xy[2 * i] = Math.max(-EXTENT, Math.min(EXTENT, x[2 * id]!));
      xy[2 * i + 1] = Math.max(-EXTENT, Math.min(EXTENT, x[2 * id + 1]!));
      labels[i] = y[id]!;
    });
    return { xy, labels };
  };
  return { train: pick(order.subarray(0, nTrain)), test: pick(order.subarray(nTrain)) };
}
