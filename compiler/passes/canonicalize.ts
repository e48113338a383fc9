/**
 * Canonicalization passes over the graph IR. Each returns a new graph computing the same outputs
 * and updates; `optimize.ts` runs them to a fixed point and reports node counts.
 */
import type { Graph, Tensor } from '../ir/graph.ts';
import { contiguousStrides, sizeOf } from '../ir/types.ts';
import type { View } from '../kernel/ir.ts';
import { isMasked } from '../kernel/views.ts';
import { liveNodes } from './dce.ts';
import { rules } from '../ops/index.ts';
import type { Lowering } from '../ops/rule.ts';
import { evaluate } from '../interpreter/evaluate.ts';
import { Graph as GraphClass } from '../ir/graph.ts';
import type { OpName } from '../ops/attrs.ts';
import { rebuild, type Rewrite } from './rebuild.ts';

/** the CSE key of a node whose inputs are already canonical */
const cseKey = (n: Tensor, ins: readonly Tensor[]) => `${n.op}(${ins.map((i) => i.id).join(',')})${JSON.stringify(n.attrs)}`;

export interface RewriteCounts { folded: number; simplified: number; merged: number }

/**
 * One canonicalization sweep: each node, with its inputs already rewritten, is constant-folded,
 * else simplified, else merged with an identical earlier node (CSE) — all in one rebuild, so a
 * fold or a simplification immediately exposes CSE opportunities downstream. With `only` (the
 * live nodes) the same rebuild also drops dead code.
 */
export function canonicalSweep(graph: Graph, counts: RewriteCounts, only?: Set<Tensor>): Graph {
  const seen = new Map<string, Tensor>();
  return rebuild(graph, (n, ins, ctx) => {
    const folded = foldConstants(n, ins, ctx);
    if (folded) { counts.folded++; return folded; }
    const simpler = simplify(n, ins, ctx);
    if (simpler) { counts.simplified++; return simpler; }
    const key = cseKey(n, ins);
    const hit = seen.get(key);
    if (hit) { counts.merged++; return hit; }
    const t = ctx.emit(n.op as OpName, ins, n.attrs as never);
    seen.set(key, t);
    return t;
  }, { dedupConsts: true, ...(only ? { only } : {}) });
}

/** the scalar value of a constant, seen through reshapes and broadcasts, or undefined */
export function scalarValue(t: Tensor): number | undefined {
  let s = t;
  while (s.op === 'broadcast' || s.op === 'reshape') s = s.inputs[0]!;
  return s.op === 'const' && s.size === 1 ? s.value![0] : undefined;
}

const sameShape = (a: Tensor, b: Tensor) => a.shape.join() === b.shape.join();

/**
 * Algebraic simplification: x·1, 1·x, x+0, 0+x, x−0, x/1 → x; −(−x) → x; transpose∘transpose
 * → one transpose (or none); reshape∘reshape → one reshape; identity reshapes, transposes and
 * broadcasts vanish; log(exp(a)/Σexp(a)) (log∘softmax) → a − log Σexp(a) (log-softmax, stable).
 */
export const simplify: Rewrite = (n, ins, ctx) => {
  const [a, b] = ins;
  switch (n.op) {
    case 'mul':
      if (scalarValue(b!) === 1 && sameShape(a!, n)) return a;
      if (scalarValue(a!) === 1 && sameShape(b!, n)) return b;
      return undefined;
    case 'add':
      if (scalarValue(b!) === 0 && sameShape(a!, n)) return a;
      if (scalarValue(a!) === 0 && sameShape(b!, n)) return b;
      return undefined;
    case 'sub':
      return scalarValue(b!) === 0 && sameShape(a!, n) ? a : undefined;
    case 'div':
      return scalarValue(b!) === 1 && sameShape(a!, n) ? a : undefined;
    case 'neg':
      return a!.op === 'neg' ? a!.inputs[0] : undefined;
    case 'reshape':
      if (a!.shape.join() === n.shape.join()) return a;
      if (a!.op === 'reshape') return ctx.emit('reshape', [a!.inputs[0]!], { shape: [...n.shape] });
      return undefined;
    case 'broadcast':
      return a!.shape.join() === n.shape.join() ? a : undefined;
    case 'transpose': {
      const perm = n.attrs.perm as number[];
      if (perm.every((p, i) => p === i)) return a;
      if (a!.op === 'transpose') {
        const inner = a!.attrs.perm as number[];
        const combined = perm.map((p) => inner[p]!);
        return combined.every((p, i) => p === i) ? a!.inputs[0] : ctx.emit('transpose', [a!.inputs[0]!], { perm: combined });
      }
      return undefined;
    }
    case 'log': {
      // log(e / broadcast(sum(e))) with e = exp(z): the log of a softmax
      if (a!.op !== 'div') return undefined;
      const [e, denom] = a!.inputs as [Tensor, Tensor];
      let s = denom;
      while (s.op === 'broadcast' || s.op === 'reshape') s = s.inputs[0]!;
      if (e.op !== 'exp' || s.op !== 'sum' || s.inputs[0] !== e || !reexpandsInPlace(s, denom)) return undefined;
      const z = e.inputs[0]!;
      const logSum = ctx.emit('log', [s], {});
      const back = ctx.emit('broadcast', [logSum], { shape: [...z.shape] });
      return ctx.emit('sub', [z, back], {});
    }
    default:
      return undefined;
  }
};

/**
 * Whether the reshape/broadcast chain from `sum` (reduced dims kept as 1) to `denom` puts each
 * sum back at the positions it was reduced from: denom[i] = sum[i with the reduced axes at 0].
 * A squeezed sum can broadcast along another axis instead (sum over axis 1 of [5, 5], squeezed
 * to [5], then broadcast as a row: e[i, j] / S[j]); then log∘softmax does not apply. Decided by
 * composing the chain's strides with the ops' own movement rules.
 */
function reexpandsInPlace(sum: Tensor, denom: Tensor): boolean {
  const chain: Tensor[] = [];
  for (let t = denom; t !== sum; t = t.inputs[0]!) chain.unshift(t);
  let view: View = { buffer: 0, offset: 0, strides: contiguousStrides(sum.shape) };
  for (const t of chain) {
    const lower = rules[t.op as 'reshape' | 'broadcast'].lower as Extract<Lowering<'reshape'>, { kind: 'movement' }>;
    const next = lower.view(t.inputs[0]!.shape, view, t.attrs as never, t.shape);
    // a masked or shifted view reads fill values or other elements: not the sums in place
    if (!next || next.offset !== 0 || isMasked(next, t.shape)) return false;
    view = next;
  }
  const want = contiguousStrides(sum.shape).map((st, d) => (sum.shape[d] === 1 ? 0 : st));
  return denom.shape.every((n, d) => n === 1 || view.strides[d] === want[d]);
}

const FOLD_LIMIT = 1024;
const NEVER_FOLD = new Set(['random_uniform', 'iota', 'broadcast']);

/**
 * Constant folding: an op whose inputs are all constants becomes a constant, evaluated by the
 * reference interpreter — unless its result is large (folding would bloat the artifact) or it
 * is a broadcast (free at run time anyway).
 */
export const foldConstants: Rewrite = (n, ins, ctx) => {
  if (NEVER_FOLD.has(n.op) || !ins.every((i) => i.op === 'const') || sizeOf(n.shape) > FOLD_LIMIT) return undefined;
  // the same small constant expressions recur (an optimizer's 1 − β per param): evaluate each once
  const key = `${n.op}${JSON.stringify(n.attrs)}|${ins.map((i) => `${i.dtype}[${i.shape.join(',')}]${Array.from(i.value!).join(',')}`).join('|')}`;
  let v = foldMemo.get(key);
  if (!v) {
    const tiny = new GraphClass('fold');
    const cins = ins.map((i) => tiny.constant(i.value!, i.shape, i.dtype));
    tiny.output('v', tiny.apply(n.op as OpName, cins, n.attrs as never));
    const out = evaluate(tiny, {}).outputs.v!;
    v = n.dtype === 'f32' ? Float32Array.from(out) : Int32Array.from(out);
    if (foldMemo.size > 4096) foldMemo.clear();
    foldMemo.set(key, v);
  }
  // graphs hold only finite constants (Graph.constant refuses others): a NaN/Inf result stays an op
  if (!v.every(Number.isFinite)) return undefined;
  return ctx.graph.constant(v, n.shape, n.dtype);
};

const foldMemo = new Map<string, Float32Array | Int32Array>();
