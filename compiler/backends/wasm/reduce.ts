/**
 * Reduce kernels: fold `body` over `reduceShape` for each output point, then run the
 * epilogue stores with `acc` bound (a multi-phase reduce: one nest per phase, in order). Sum
 * and max run four lanes at a time either along the innermost reduced axis (when it is
 * contiguous) or, failing that, along the innermost output axis (reductions over leading axes,
 * e.g. a bias gradient summed over the batch).
 */
import type { DType, ReduceKernel } from '../../kernel/ir.ts';
import { reduceNests, type ReduceNest } from '../../kernel/expr.ts';
import { canVectorize, renderScalar, renderVector, type Scope } from './expr.ts';
import { scalarLiteral } from './alu.ts';
import type { MemoryLayout } from './layout.ts';
import { emitStores, linearIndexOf } from './pointwise.ts';
import { collapseReduceAxes } from './rewrite.ts';
import { reduceVectorPlan } from './vectorize.ts';
import type { Source } from './source.ts';

function initial(k: ReduceNest, t: DType): string {
  if (k.reduce === 'sum') return scalarLiteral(0, t);
  return t === 'f32' ? '<f32>(-Infinity)' : '<i32>(-2147483648)';
}

/** The interpreter's max step: larger wins, and the first NaN sticks. */
function scalarFold(k: ReduceNest, t: DType, acc: string, v: string): string {
  if (k.reduce === 'sum') return `${acc} += ${v};`;
  const nan = t === 'f32' ? ` || (${v} != ${v} && ${acc} == ${acc})` : '';
  return `if (${v} > ${acc}${nan}) ${acc} = ${v};`;
}

function vectorFold(k: ReduceNest, t: DType, acc: string, v: string): string {
  if (k.reduce === 'sum') return `${acc} = ${t}x4.add(${acc}, ${v});`;
  return `${acc} = ${t === 'f32' ? 'f32x4.max' : 'i32x4.max_s'}(${acc}, ${v});`;
}

export function emitReduce(out: Source, layout: MemoryLayout, kernel: ReduceKernel): void {
  const phases = reduceNests(kernel);
  if (phases.length === 1) { emitPhase(out, layout, phases[0]!); return; }
  // a multi-phase reduce: each phase's nest over all rows in turn, in a block of its own (its own names)
  for (const p of phases) {
    out.open('');
    emitPhase(out, layout, p);
    out.close();
  }
}

function emitPhase(out: Source, layout: MemoryLayout, phase: ReduceNest): void {
  const k = collapseReduceAxes(phase);
  const t = k.body.dtype;
  const outer = k.shape.map((_, d) => `o${d}`);
  const red = k.reduceShape.map((_, d) => `r${d}`);
  const all = [...outer, ...red];
  const space = [...k.shape, ...k.reduceShape];
  const bodyScope: Scope = { indexVars: all, linearIndex: linearIndexOf(all, space), address: (v) => layout.address(v, all) };
  const accType: DType = k.reduce === 'argmax' ? 'i32' : t;
  const epilogueScope = (vector?: string): Scope => ({
    indexVars: outer, linearIndex: linearIndexOf(outer, k.shape), address: (v) => layout.address(v, outer),
    acc: { scalar: 'acc', dtype: accType, ...(vector ? { vector } : {}) },
  });
  const { rInner, oInner, vectorInner, vectorOuter } = reduceVectorPlan(k, canVectorize);
  const rExtent = k.reduceShape[k.reduceShape.length - 1] ?? 0;

  /** The scalar fold over all reduced axes (the innermost possibly vectorized) for one output point. */
  const emitPoint = (): void => {
    out.line(`let acc: ${accType} = ${k.reduce === 'argmax' ? '0' : initial(k, t)};`);
    if (k.reduce === 'argmax') out.line(`let best: ${t} = ${initial(k, t)};`);
    if (vectorInner) out.line(`let vacc = ${t}x4.splat(${initial(k, t)});`);
    red.forEach((r, d) => { if (d < red.length - 1) out.open(`for (let ${r}: i32 = 0; ${r} < ${k.reduceShape[d]}; ${r}++)`); });
    if (red.length > 0) {
      const r = red[red.length - 1]!;
      out.line(`let ${r}: i32 = 0;`);
      if (vectorInner) {
        out.open(`for (; ${r} <= ${rExtent - 4}; ${r} += 4)`);
        out.line(vectorFold(k, t, 'vacc', renderVector(k.body, bodyScope, rInner)));
        out.close();
      }
      out.open(`for (; ${r} < ${rExtent}; ${r}++)`);
    }
    out.line(`const v = ${renderScalar(k.body, bodyScope)};`);
    if (k.reduce === 'argmax') out.line(`if (v > best || (v != v && best == best)) { best = v; acc = ${linearIndexOf(red, k.reduceShape)}; }`);
    else out.line(scalarFold(k, t, 'acc', 'v'));
    red.forEach(() => out.close());
    if (vectorInner) {
      const lanes = [0, 1, 2, 3].map((l) => `${t}x4.extract_lane(vacc, ${l})`);
      if (k.reduce === 'sum') out.line(`acc += (${lanes[0]} + ${lanes[1]}) + (${lanes[2]} + ${lanes[3]});`);
      else lanes.forEach((l) => out.line(scalarFold(k, t, 'acc', l)));
    }
    emitStores(out, layout, k.stores, epilogueScope());
  };

  outer.forEach((o, d) => { if (d < outer.length - 1) out.open(`for (let ${o}: i32 = 0; ${o} < ${k.shape[d]}; ${o}++)`); });
  if (outer.length === 0) {
    emitPoint();
  } else {
    const o = outer[oInner]!;
    out.line(`let ${o}: i32 = 0;`);
    if (vectorOuter) {
      out.open(`for (; ${o} <= ${k.shape[oInner]! - 4}; ${o} += 4)`);
      out.line(`let vacc = ${t}x4.splat(${initial(k, t)});`);
      red.forEach((r, d) => out.open(`for (let ${r}: i32 = 0; ${r} < ${k.reduceShape[d]}; ${r}++)`));
      out.line(vectorFold(k, t, 'vacc', renderVector(k.body, bodyScope, oInner)));
      red.forEach(() => out.close());
      emitStores(out, layout, k.stores, epilogueScope('vacc'), oInner);
      out.close();
    }
    out.open(`for (; ${o} < ${k.shape[oInner]}; ${o}++)`);
    emitPoint();
    out.close();
  }
  outer.forEach((_, d) => { if (d < outer.length - 1) out.close(); });
}
