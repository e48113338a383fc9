/**
 * Random graphs for the differential fuzz test, drawn to hit what the optimizer rewrites and
 * fuses: numpy broadcasting with squeezed reductions, movement chains (reshape, transpose,
 * broadcast), the canonicalizer's trigger patterns (x·1, x+0, −−x, transpose∘transpose,
 * reshape∘reshape, log∘softmax in place and not, constant subexpressions), reductions, matmul,
 * conv/pool with their gradients, and in-place updates of params and state that read each
 * other through views (swaps, cycles, transposes, means, matmuls). Values stay bounded: exp and
 * log only see squashed or positive operands.
 */
import { Graph, type Tensor } from '../../compiler/index.ts';
import * as F from '../../compiler/frontend/math.ts';
import * as A from '../../compiler/frontend/activations.ts';
import { gradients } from '../../compiler/autodiff/grad.ts';
import { Rng } from '../../compiler/frontend/init.ts';

export interface FuzzGraph {
  graph: Graph;
  feeds: Record<string, Float32Array>;
}

export interface FuzzOptions {
  /** prefix of every name (several graphs can share one Graph, hence one artifact) */
  prefix?: string;
  into?: Graph;
  /** ops drawn (default 12) */
  nodes?: number;
}

export function fuzzGraph(seed: number, o: FuzzOptions = {}): FuzzGraph {
  const rng = new Rng(seed * 7919 + 1);
  const p = o.prefix ?? '';
  const g = o.into ?? new Graph(`fuzz_${seed}`);
  const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
  const chance = (q: number) => rng.next() < q;
  const shape = (maxRank = 3) => Array.from({ length: int(1, maxRank) }, () => int(1, 5));
  const values = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
  const feeds: Record<string, Float32Array> = {};
  const pool: Tensor[] = [];

  for (let i = 0; i < int(2, 3); i++) {
    const s = shape();
    const t = g.input(`${p}in${i}`, s);
    feeds[t.name!] = values(t.size);
    pool.push(t);
  }
  // params in shapes that invite transposed reads of each other: [a, b], [b, a], [a, a]
  const a = int(2, 4), b = int(2, 4);
  const params = [[a, b], [b, a], [a, a]].slice(0, int(2, 3)).map((s, i) => g.param(`${p}p${i}`, s, values(s[0]! * s[1]!)));
  const states = chance(0.6) ? [g.stateTensor(`${p}s0`, [b], values(b))] : [];
  pool.push(...params);
  const image = chance(0.35) ? g.input(`${p}img`, [int(1, 2), int(1, 3), int(3, 6), int(3, 6)]) : undefined;
  if (image) { feeds[image.name!] = values(image.size); pool.push(image); }

  const axesOf = (t: Tensor) => {
    const all = [...t.shape.keys()].filter(() => chance(0.5));
    return all.length ? all : [int(0, t.rank - 1)];
  };
  const perm = (r: number) => {
    const q = [...Array(r).keys()];
    for (let i = r - 1; i > 0; i--) { const j = int(0, i); [q[i], q[j]] = [q[j]!, q[i]!]; }
    return q;
  };
  const factor = (n: number): number[] => {
    const out: number[] = [];
    let rest = n;
    for (let d = 2; d <= rest; d++) while (rest % d === 0 && chance(0.7)) { out.push(d); rest /= d; }
    if (rest > 1) out.push(rest);
    if (chance(0.3)) out.splice(int(0, out.length), 0, 1);
    return out.length ? out : [1];
  };
  const binary = () => pick([F.add, F.sub, F.mul, F.maximum, F.minimum]);

  const ops: ((x: Tensor) => Tensor)[] = [
    // elementwise (bounded)
    (x) => pick([F.neg, F.tanh, F.sigmoid, F.relu, F.abs])(x),
    (x) => F.exp(F.tanh(x)),
    (x) => A.softplus(x),
    (x) => F.log(F.sigmoid(x)),
    (x) => F.sqrt(F.add(F.abs(x), 0.25)),
    (x) => F.div(x, F.add(F.abs(pick(pool)), 1)),
    (x) => binary()(x, pick(pool)),
    // broadcasting against a squeezed reduction of something else
    (x) => binary()(x, F.mean(pick(pool), axesOf(x), false)),
    (x) => { const t = F.tanh(x); return F.sub(t, F.mean(t, axesOf(t), chance(0.5))); },
    // canonicalizer triggers
    (x) => F.add(F.mul(x, 1), 0),
    (x) => F.neg(F.neg(x)),
    (x) => { const q = perm(x.rank); return F.transpose(F.transpose(x, q), perm(x.rank)); },
    (x) => F.reshape(F.reshape(x, factor(x.size)), factor(x.size)),
    (x) => F.add(x, F.mul(g.constant(rng.uniform(-1, 1)), g.constant(rng.uniform(-1, 1)))),
    (x) => { const e = F.exp(F.tanh(x)); return F.log(F.div(e, F.sum(e, axesOf(x), chance(0.5)))); },
    (x) => A.logSoftmax(x, int(0, x.rank - 1)),
    (x) => F.log(A.softmax(x, int(0, x.rank - 1))),
    // movement chains
    (x) => F.transpose(x, perm(x.rank)),
    (x) => F.reshape(x, factor(x.size)),
    (x) => { const r = F.reshape(F.transpose(x, perm(x.rank)), factor(x.size)); return F.transpose(r, perm(r.rank)); },
    (x) => { const at = int(0, x.rank); const s = [...x.shape]; s.splice(at, 0, 1); const t = F.reshape(x, s); s[at] = int(2, 3); return F.broadcastTo(t, s); },
    // reductions
    (x) => F.tanh(F.sum(x, axesOf(x), chance(0.5))),
    (x) => F.max(x, axesOf(x), chance(0.5)),
    (x) => F.mean(x, axesOf(x), chance(0.5)),
    // matmul
    (x) => (x.rank === 2 ? F.matmul(x, F.transpose(x)) : F.matmul(F.reshape(x, [-1, x.shape[x.rank - 1]!]), F.transpose(F.reshape(x, [-1, x.shape[x.rank - 1]!])))),
    (x) => { const w = pick(params); return F.matmul(F.reshape(x, [-1, w.shape[0]!]), w); },
    // kernel IR v2: masked and shifted views (pad, slice with any step, flip, concat of views)
    // fused into their consumers, gathers with repeated indices, and scatter_add (via gradients)
    (x) => F.pad(F.relu(x), x.shape.map(() => [int(0, 2), int(0, 2)] as const), pick([0, 0.5])),
    (x) => F.tanh(F.pad(x, x.shape.map(() => [int(0, 1), int(0, 1)] as const), -0.25)),
    (x) => F.slice(x, x.shape.map((n) => (chance(0.5) ? [int(0, n - 1), null, pick([1, 2, -1, -2])] as const : null))),
    (x) => F.flip(F.sigmoid(x), int(0, x.rank - 1)),
    (x) => { const ax = int(0, x.rank - 1); return F.concat([x, F.flip(F.transpose(F.transpose(x)), ax), F.relu(x)], ax); },
    (x) => { const ax = int(0, x.rank - 1); const n = x.shape[ax]!; const idx = Array.from({ length: int(1, 6) }, () => int(0, n - 1)); return F.gather(x, g.constant(idx, [idx.length], 'i32'), ax); },
    (x) => {
      // an embedding-style lookup and its gradient (scatter_add with repeated indices)
      const n = x.shape[0]!, idx = Array.from({ length: int(1, 6) }, () => int(0, n - 1));
      const rows = F.gather(x, g.constant(idx, [idx.length], 'i32'), 0);
      const [d] = gradients(F.sum(F.mul(rows, rows)), [x]);
      return d!;
    },
    (x) => pick([F.sin, F.cos, F.erf])(x),
    (x) => F.min(x, axesOf(x), chance(0.5)),
  ];
  if (image) ops.push(() => convPool(image, rng, params.length + pool.length));

  let made = 0;
  for (let tries = 0; made < (o.nodes ?? 12) && tries < 200; tries++) {
    try {
      const t = pick(ops)(pick(pool));
      if (t.dtype === 'f32' && t.size <= 4096) { pool.push(t); made++; }
    } catch { /* the draw did not fit these shapes */ }
  }

  // updates that read each other (old values) through views: cycles, swaps, transposes, means
  const sameShape = (t: Tensor, s: readonly number[]) => t.shape.join() === s.join();
  const updates: ((q: Tensor) => Tensor | undefined)[] = [
    (q) => { const r = pick(params); return sameShape(r, q.shape) ? r : sameShape(F.transpose(r), q.shape) ? F.mul(F.transpose(r), rng.uniform(-2, 2)) : undefined; },
    (q) => { const r = pick(params); return sameShape(F.transpose(r), q.shape) ? F.tanh(F.add(F.transpose(r), q)) : undefined; },
    (q) => F.add(F.mul(q, 2), pick(pool.filter((t) => sameShape(t, q.shape)).concat([q]))),
    (q) => (q.shape[0] === q.shape[1] ? F.transpose(q) : undefined),
    (q) => (q.shape[0] === q.shape[1] ? F.mul(F.matmul(q, q), 0.5) : undefined),
    (q) => { const t = pick(pool); try { return F.add(q, F.broadcastTo(F.mean(t), q.shape)); } catch { return undefined; } },
    (q) => { const r = pick(params); return sameShape(r, q.shape) ? F.sub(q, F.mul(r, 0.1)) : undefined; },
  ];
  for (const q of params) {
    if (!chance(0.8)) continue;
    for (let k = 0; k < 6; k++) {
      const v = pick(updates)(q);
      if (v) { g.update(q, v); break; }
    }
  }
  for (const s of states) {
    const src = pick(params.filter((q) => q.shape[1] === s.shape[0]));
    if (src) g.update(s, F.add(F.mul(s, 0.9), F.mean(src, 0)));
  }

  // a reduction's new value read by another update together with the old one (the lowering
  // writes such a value in place and lets later updates read it from the param's buffer)
  if (chance(0.4)) {
    const t = pick(pool.filter((x) => x.rank === 2));
    if (t) {
      const k = t.shape[1]!;
      const q = g.param(`${p}q`, [1, k], values(k));
      const qNew = F.add(q, F.sum(F.tanh(t), 0, true));
      g.update(q, qNew);
      g.update(g.stateTensor(`${p}sq`, [1, k], values(k)), pick([F.mul, F.sub])(qNew, q));
    }
  }

  const outs = [...new Set([...pool.slice(-3), pick(pool), ...(chance(0.3) ? [pick(params)] : [])])];
  outs.forEach((t, i) => g.output(`${p}out${i}`, t));
  return { graph: g, feeds };
}

/** a convolution (random stride, padding, dilation, groups), a pool, and their gradients */
function convPool(x: Tensor, rng: Rng, salt: number): Tensor {
  const g = x.graph;
  const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
  const [, c, h, w] = x.shape as [number, number, number, number];
  const groups = c > 1 && rng.next() < 0.3 ? c : 1;
  const o = groups * int(1, 2);
  const kh = int(1, Math.min(3, h)), kw = int(1, Math.min(3, w));
  const weight = g.param(`${x.name}_w${salt}`, [o, c / groups, kh, kw], Float32Array.from({ length: o * (c / groups) * kh * kw }, () => rng.uniform(-1, 1)));
  const pad = int(0, 1);
  const y = F.conv2d(x, weight, { stride: [int(1, 2), int(1, 2)], pad: [pad, pad, pad, int(0, 1)], dilation: [1, int(1, 2)], groups });
  const pk = Math.min(2, y.shape[2]!, y.shape[3]!);
  const pooled = (rng.next() < 0.5 ? F.maxPool2d : F.avgPool2d)(F.tanh(y), { kernel: [pk, pk], stride: [1, int(1, 2)], pad: [0, 0, 0, 0] });
  const loss = F.sum(F.mul(pooled, pooled));
  const [dx, dw] = gradients(loss, [x, weight]);
  return rng.next() < 0.5 ? F.add(dx!, F.tanh(x)) : F.add(F.reshape(dw!, [dw!.size]), F.reshape(F.mean(pooled), [1]));
}
