/**
 * Reduce kernels as bytecode, with the schedule of ../reduce.ts: fold `body` over `reduceShape`
 * for each output point, then run the epilogue stores with `acc` bound (a multi-phase reduce:
 * one such nest per phase, in order, over the same rows); sum and max four lanes
 * at a time along the innermost reduced axis when it is contiguous, else along the innermost
 * output axis.
 */
import type { DType, ReduceKernel, View } from '../../../kernel/ir.ts';
import { samePoint } from '../../../kernel/reduce-fusion.ts';
import { collapseReduceAxes } from '../rewrite.ts';
import { reduceVectorPlan } from '../vectorize.ts';
import type { Emitter } from './alu.ts';
import { canVectorize, emitScalar, emitVector, pushLinearIndex, type Scope } from './expr.ts';
import { reduceNests, viewsOf, type ReduceNest } from '../../../kernel/expr.ts';
import type { MemoryLayout } from '../layout.ts';
import { emitStores, innerLoops, layoutAddress, type ProgramContext } from './nest.ts';

/**
 * Element-steps (output points × reduced length) below which a reduce stays on the calling
 * thread: a fork-join costs tens of microseconds on a loaded machine.
 */
export const REDUCE_PARALLEL_MIN_WORK = 1 << 17;
const TASKS_PER_THREAD = 4;

/**
 * Whether a store writes a buffer that a body or a store reads (then tasks could race) — except
 * a later phase reading an earlier phase's result at the same point: a task runs every phase
 * over its own rows.
 */
function writesWhatItReads(layout: MemoryLayout, kernel: ReduceKernel): boolean {
  const phases = reduceNests(kernel);
  const reads = phases.map((k) => [...viewsOf(k.body), ...k.stores.flatMap((s) => viewsOf(s.expr))]);
  const racy = (v: View, store: View, reader: number, writer: number) => !(reader > writer && samePoint(v, store, kernel)) && layout.overlaps(v.buffer, store.buffer);
  return phases.some((k, i) => k.stores.some((s) => reads.some((views, j) => views.some((v) => racy(v, s.view, j, i)))));
}

/**
 * How many pool tasks a reduce is split into along its first output axis (1: not split), from
 * the kernel's size (all its phases) at compile time.
 */
export function reduceTasks(threads: number, layout: MemoryLayout, k: ReduceKernel): number {
  if (threads <= 1 || k.shape.length === 0) return 1;
  const work = [...k.shape, ...k.reduceShape].reduce((a, b) => a * b, 1) * k.phases.length;
  if (work < REDUCE_PARALLEL_MIN_WORK || writesWhatItReads(layout, k)) return 1;
  const tasks = Math.min(k.shape[0]!, threads * TASKS_PER_THREAD);
  return tasks;
}

function pushInitial(e: Emitter, k: ReduceNest, t: DType): void {
  if (k.reduce === 'sum') { if (t === 'f32') e.f.f32(0); else e.f.i32(0); return; }
  if (t === 'f32') e.f.f32(-Infinity); else e.f.i32(-2147483648);
}

function splatInitial(e: Emitter, k: ReduceNest, t: DType): void {
  pushInitial(e, k, t);
  e.f.op(t === 'f32' ? 'f32x4.splat' : 'i32x4.splat');
}

/** acc = fold(acc, v) for scalars: sum, or the interpreter's max (larger wins, the first NaN sticks). */
function scalarFold(e: Emitter, k: ReduceNest, t: DType, acc: number, v: number): void {
  const f = e.f;
  if (k.reduce === 'sum') { f.get(acc).get(v).op(t === 'f32' ? 'f32.add' : 'i32.add').set(acc); return; }
  // if (v > acc || (v != v && acc == acc)) acc = v
  f.get(v).get(acc).op(t === 'f32' ? 'f32.gt' : 'i32.gt_s');
  if (t === 'f32') f.get(v).get(v).op('f32.ne').get(acc).get(acc).op('f32.eq').op('i32.and').op('i32.or');
  f.if().get(v).set(acc).end();
}

function vectorFold(e: Emitter, k: ReduceNest, t: DType, vacc: number, value: () => void): void {
  e.f.get(vacc);
  value();
  e.f.op(k.reduce === 'sum' ? (t === 'f32' ? 'f32x4.add' : 'i32x4.add') : (t === 'f32' ? 'f32x4.max' : 'i32x4.max_s')).set(vacc);
}

export function emitReduce(e: Emitter, ctx: ProgramContext, kernel: ReduceKernel): void {
  // phase by phase over the same rows (a later phase reads an earlier one's results only at the same point)
  const phases = reduceNests(kernel).map(collapseReduceAxes);
  const tasks = reduceTasks(ctx.threads, ctx.layout, kernel);
  if (tasks <= 1) { for (const k of phases) emitReduceNest(e, ctx, k); return; }
  // task i runs output rows [i·chunk, min((i+1)·chunk, extent)) of the first output axis, every phase
  const extent = kernel.shape[0]!;
  const chunk = Math.ceil(extent / tasks);
  const task = ctx.addFunction(['i32']);
  const tf = task.e.f;
  const lo = tf.local('i32'), hi = tf.local('i32');
  tf.get(0).i32(chunk).op('i32.mul').tee(lo).i32(chunk).op('i32.add').set(hi);
  tf.get(hi).i32(extent).get(hi).i32(extent).op('i32.lt_s').op('select').set(hi);
  for (const k of phases) emitReduceNest(task.e, ctx, k, { lo: () => tf.get(lo), hi: () => tf.get(hi) });
  e.f.i32(ctx.tableIndex(task.func)).i32(Math.ceil(extent / chunk));
  e.call('parallelFor');
}

/** The reduce's loop nest into `e`; `range` bounds the first output axis (default: all of it). */
function emitReduceNest(e: Emitter, ctx: ProgramContext, k: ReduceNest, range?: { lo: () => void; hi: () => void }): void {
  const f = e.f;
  const layout = ctx.layout;
  const addressOf = layoutAddress(layout);
  const t = k.body.dtype;
  const outer = k.shape.map(() => f.local('i32'));
  const red = k.reduceShape.map(() => f.local('i32'));
  const all = [...outer, ...red];
  const space = [...k.shape, ...k.reduceShape];
  const bodyScope: Scope = { ...e, indexVars: all, shape: space, address: (v) => addressOf(v, all) };
  const accType: DType = k.reduce === 'argmax' ? 'i32' : t;
  const acc = f.local(accType);
  const vacc = f.local('v128');
  const best = f.local(t);
  const value = f.local(t);
  const epilogueScope = (vector: boolean): Scope => ({
    ...e, indexVars: outer, shape: k.shape, address: (v) => addressOf(v, outer),
    acc: { scalar: acc, dtype: accType, ...(vector ? { vector: vacc } : {}) },
  });
  const { rInner, oInner, vectorInner, vectorOuter } = reduceVectorPlan(k, canVectorize);
  const rExtent = k.reduceShape[k.reduceShape.length - 1] ?? 0;

  /** The scalar fold over all reduced axes (the innermost possibly vectorized) for one output point. */
  const emitPoint = (): void => {
    if (k.reduce === 'argmax') { f.i32(0).set(acc); pushInitial(e, k, t); f.set(best); }
    else { pushInitial(e, k, t); f.set(acc); }
    if (vectorInner) { splatInitial(e, k, t); f.set(vacc); }
    const scalarStep = (): void => {
      emitScalar(k.body, bodyScope);
      f.set(value);
      if (k.reduce === 'argmax') {
        // if (v > best || (v != v && best == best)) { best = v; acc = linear index over the reduced axes }
        f.get(value).get(best).op(t === 'f32' ? 'f32.gt' : 'i32.gt_s');
        if (t === 'f32') f.get(value).get(value).op('f32.ne').get(best).get(best).op('f32.eq').op('i32.and').op('i32.or');
        f.if().get(value).set(best);
        pushLinearIndex(f, red, k.reduceShape);
        f.set(acc).end();
      } else {
        scalarFold(e, k, t, acc, value);
      }
    };
    const loops = (d: number): void => {
      if (d < red.length - 1) { f.forRange(red[d]!, () => f.i32(0), () => f.i32(k.reduceShape[d]!), 1, () => loops(d + 1)); return; }
      if (red.length === 0) { scalarStep(); return; }
      innerLoops(f, red[d]!, () => f.i32(0), () => f.i32(rExtent), vectorInner, () => vectorFold(e, k, t, vacc, () => emitVector(k.body, bodyScope, rInner)), scalarStep);
    };
    loops(0);
    if (vectorInner) {
      const lane = (l: number) => f.get(vacc).lane(t === 'f32' ? 'f32x4.extract_lane' : 'i32x4.extract_lane', l);
      if (k.reduce === 'sum') {
        // acc += (l0 + l1) + (l2 + l3)
        const add = t === 'f32' ? 'f32.add' : 'i32.add';
        f.get(acc); lane(0); lane(1); f.op(add); lane(2); lane(3); f.op(add).op(add).op(add).set(acc);
      } else {
        for (const l of [0, 1, 2, 3]) { lane(l); f.set(value); scalarFold(e, k, t, acc, value); }
      }
    }
    emitStores(layout, k.stores, epilogueScope(false), addressOf);
  };

  const from = (d: number) => (d === 0 && range ? range.lo : () => f.i32(0));
  const to = (d: number) => (d === 0 && range ? range.hi : () => f.i32(k.shape[d]!));
  const open = (d: number): void => {
    if (d < outer.length - 1) { f.forRange(outer[d]!, from(d), to(d), 1, () => open(d + 1)); return; }
    if (outer.length === 0) { emitPoint(); return; }
    innerLoops(f, outer[oInner]!, from(oInner), to(oInner), vectorOuter, () => {
      splatInitial(e, k, t); f.set(vacc);
      const loops = (r: number): void => {
        if (r < red.length) { f.forRange(red[r]!, () => f.i32(0), () => f.i32(k.reduceShape[r]!), 1, () => loops(r + 1)); return; }
        vectorFold(e, k, t, vacc, () => emitVector(k.body, bodyScope, oInner));
      };
      loops(0);
      emitStores(layout, k.stores, epilogueScope(true), addressOf, oInner);
    }, emitPoint);
  };
  open(0);
}
