/**
 * Random graphs drawn from the op set with random shapes, for testing that optimization and
 * fusion preserve semantics. Values stay bounded (tanh/sigmoid squash where exp could blow up).
 */
import { Graph, type Tensor } from '../../compiler/index.ts';
import * as F from '../../compiler/frontend/math.ts';
import { Rng } from '../../compiler/frontend/init.ts';

export interface RandomGraph {
  graph: Graph;
  feeds: Record<string, Float32Array>;
}

export function randomGraph(seed: number, nodes = 14, prefix = '', into?: Graph): RandomGraph {
  const rng = new Rng(seed);
  const g = into ?? new Graph(`random_${seed}`);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
  const dims = () => Array.from({ length: 1 + Math.floor(rng.next() * 3) }, () => 1 + Math.floor(rng.next() * 5));
  const feeds: Record<string, Float32Array> = {};
  const pool: Tensor[] = [];
  for (let i = 0; i < 3; i++) {
    const shape = dims();
    const name = `${prefix}in${i}`;
    const t = g.input(name, shape);
    feeds[name] = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1));
    pool.push(t);
  }
  const ops: ((a: Tensor) => Tensor | undefined)[] = [
    (a) => F.neg(a), (a) => F.tanh(a), (a) => F.sigmoid(a), (a) => F.relu(a), (a) => F.abs(a), (a) => F.exp(F.tanh(a)),
    (a) => F.mul(a, 1), (a) => F.add(a, 0), (a) => F.mul(a, rng.uniform(-2, 2)),
    (a) => { const b = pick(pool); try { return pick([F.add, F.sub, F.mul, F.maximum])(a, b); } catch { return undefined; } },
    (a) => (a.rank ? F.sum(a, Math.floor(rng.next() * a.rank), rng.next() < 0.5) : undefined),
    (a) => (a.rank ? F.max(a, Math.floor(rng.next() * a.rank), true) : undefined),
    (a) => (a.rank ? F.mean(a) : undefined),
    (a) => (a.rank > 1 ? F.transpose(a) : undefined),
    (a) => (a.rank > 1 ? F.transpose(F.transpose(a)) : undefined),
    (a) => F.reshape(a, [a.size]),
    (a) => (a.rank === 2 ? F.matmul(a, F.transpose(a)) : undefined),
  ];
  let made = 0;
  while (made < nodes) {
    const t = pick(ops)(pick(pool));
    if (t) { pool.push(t); made++; }
  }
  for (const [i, t] of pool.slice(-4).entries()) g.output(`${prefix}out${i}`, t);
  g.output(`${prefix}out_dup`, pool[pool.length - 1]!);
  return { graph: g, feeds };
}
