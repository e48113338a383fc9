/**
 * Lowering and fusion: graph → kernel-IR Program.
 *
 * Nodes are visited in topological order and each gets a *value*: an expression over its own
 * index space. Leaves and stored nodes are loads of a buffer; elementwise ops inline their
 * operands' expressions; movement ops (reshape, transpose, broadcast, slice) rewrite every view
 * the expression reads (free); pad adds a validity mask with the pad value as fill, concat sums
 * zero-padded views of its operands, and gather turns the reads along its axis into indexed
 * loads — all fused into their consumers. scatter_add is a kernel of its own writing a buffer.
 * Reductions, matmuls, convolutions and pools are *anchors* whose value is `acc` until a consumer
 * stores it, so the elementwise chain that follows an anchor becomes that anchor's epilogue.
 *
 * Around reductions (kernel/reduce-rewrites.ts): an iota operand lifts into the body space; a
 * sum masked by a one-hot along a reduced axis becomes a gather (no loop over that axis, and no
 * kernel at all when it was the only one); a reshape that only drops or inserts unit axes keeps
 * the reduction pending, so what follows is still its epilogue. A reduction over the same rows
 * as the reduction just before it joins that kernel as a further phase (kernel/reduce-fusion.ts).
 * Softmax cross-entropy and its gradient are three kernels this way: row max and row Σexp (one
 * two-phase reduce), the loss, the logits' gradient.
 *
 * When a value is stored (materialized) instead of inlined — the recompute-versus-store rule:
 *  - it is a graph output or a param/state update;
 *  - it is used more than once and recomputing it costs more than 8 (simple ALU ops 1,
 *    transcendentals and divisions 4, random numbers 8) — or more than 2 when a consumer reads
 *    it broadcast into a larger space — or it holds a pending anchor's `acc` (an accumulation
 *    is never recomputed);
 *  - its consumer needs memory: matmul/conv/pool/scatter operands must be unmasked views of a
 *    buffer with non-negative strides (a convolution also takes a zero pad on H/W: its padding);
 *  - padding a computed value whose result is not the pad value where all its reads are out of
 *    bounds (pad(exp(x)) with 0), or a second gather through an already gathered value;
 *  - a movement op cannot express it (a reshape of a transposed view, or a value that depends
 *    on its position — random numbers, iota — seen through another index space);
 *  - two different pending anchors meet in one expression (a kernel has one accumulator).
 *
 * Param/state updates write in place into the param's own buffer. Those kernels run after every
 * other kernel, ordered so that every reader of a param's old value runs before its writer and
 * every reader of its new value after (`orderUpdates`). A write that cannot be ordered so (two
 * updates that read each other's old values, a swap) or that reads its own target through
 * another view (`checkUpdateHazards`, e.g. p ← pᵀ) goes to a temporary and is copied into the
 * param at the end (`writeThroughTemp`). That update phase lives in kernel/updates.ts.
 */
import type { Graph, Tensor } from '../ir/graph.ts';
import { contiguousStrides, sizeOf, type Shape } from '../ir/types.ts';
import { rules } from '../ops/index.ts';
import type { BufferDecl, BufferRole, Expr, Kernel, Program, Store, View } from './ir.ts';
import { absorbConvPadding, isMasked, maskedAxis, maskOf, padView, remapViews, valueWhereAllMasked, withMask } from './views.ts';
import { children, mapExpr, mapViews, someExpr, viewsOf } from './expr.ts';
import { binaryAlu, unaryAlu } from './interpret.ts';
import { assertNever } from '../util/never.ts';
import { liveNodes } from '../passes/dce.ts';
import { foldOneHotAxes, liftIntoBody, respaceUnitAxes, unitAxisMap } from './reduce-rewrites.ts';
import { fuseRowReductions } from './reduce-fusion.ts';

export { liveNodes } from '../passes/dce.ts';

const ALU = {
  unary: (fn: string, x: number) => unaryAlu[fn as keyof typeof unaryAlu](x),
  binary: (fn: string, a: number, b: number) => binaryAlu[fn as keyof typeof binaryAlu](a, b),
};

/** Leaves, fresh targets and explain ops of values combined into one. */
function merged(args: readonly Value[]): Pick<Value, 'leaves' | 'fresh' | 'ops'> {
  return {
    leaves: new Set(args.flatMap((a) => [...a.leaves])),
    fresh: new Set(args.flatMap((a) => [...(a.fresh ?? [])])),
    ops: args.flatMap((a) => a.ops ?? []),
  };
}
import { FreshReadConflict, fuseUpdateKernels, orderUpdates, separateSelfHazards, type DeferredKernel, type UpdatePhase } from './updates.ts';
import { dimOrder, stridesInOrder, type ActivationLayout } from './layout.ts';

export interface LowerOptions {
  /** false: one kernel per op (the reference interpreter's program) */
  fuse: boolean;
  /** dimension order of 4-D intermediates (default NCHW, the graph's own) */
  layout?: ActivationLayout;
}

interface Value {
  expr: Expr;
  /** depends on its own index space (random, iota): cannot be re-indexed */
  positional: boolean;
  /** the anchor whose `acc` appears in expr */
  pending?: Tensor;
  /** param/state leaves whose current (old) value the expression reads */
  leaves: Set<Tensor>;
  /** param/state targets whose updated value the expression reads (from the target's buffer) */
  fresh?: Set<Tensor>;
  /** graph ops inlined into this value (for explain) */
  ops?: string[];
}

interface PendingAnchor {
  build(stores: Store[]): Kernel;
  /** the same anchor with its output space reshaped in unit axes only (reductions), or null */
  respace?(to: Shape, map: readonly (number | undefined)[]): PendingAnchor | null;
}

const COST: Partial<Record<string, number>> = { exp: 4, log: 4, sqrt: 4, tanh: 4, sigmoid: 4, pow: 4, div: 4, recip: 4, erf: 4, sin: 4, cos: 4, mod: 4 };

/**
 * A value read by several consumers is recomputed in each up to this cost (about one
 * transcendental and a few ALU ops, e.g. exp(x − max) or a one-hot mask): that costs ALU work
 * in each consumer, while storing it costs a kernel, a write and a read per consumer. Only
 * where every consumer has the value's own size: one broadcast into a larger space (a scalar
 * such as Adam's bias correction into every weight) would repeat the work per element, so
 * such values keep the strict limit.
 */
const RECOMPUTE_MAX_COST = 8;
const RECOMPUTE_MAX_COST_BROADCAST = 2;

/** Recompute cost per element: ALU ops 1 (transcendentals 4, random 8), gathers 1; leaves 0. */
function cost(e: Expr): number {
  const own = e.op === 'unary' || e.op === 'binary' ? (COST[e.fn] ?? 1) : e.op === 'random' ? 8 : e.op === 'select' || e.op === 'gather' ? 1 : 0;
  return children(e).reduce((n, c) => n + cost(c), own);
}

export function lowerGraph(graph: Graph, options: LowerOptions): Program {
  // A kernel that needs both the old and the new value of one param (read from its buffer) cannot
  // be ordered; lower again with those params' new values kept in temporaries (rare).
  const noFreshReads = new Set<Tensor>();
  for (;;) {
    try {
      return new Lowering(graph, options, noFreshReads).run();
    } catch (e) {
      if (!(e instanceof FreshReadConflict) || e.targets.every((t) => noFreshReads.has(t))) throw e;
      for (const t of e.targets) noFreshReads.add(t);
    }
  }
}

class Lowering {
  private readonly buffers: BufferDecl[] = [];
  private readonly kernels: Kernel[] = [];
  private readonly sources = new Map<Kernel, string[]>();
  /** update-phase kernels */
  private readonly deferred: DeferredKernel[] = [];
  private readonly values = new Map<Tensor, Value>();
  private readonly stored = new Map<Tensor, View>();
  private readonly pending = new Map<Tensor, PendingAnchor>();
  private readonly uses = new Map<Tensor, number>();
  /** nodes some consumer reads at a larger size (a broadcast, or a rank-0 operand of a larger op) */
  private readonly broadcastInto = new Set<Tensor>();
  private readonly outputOf = new Map<Tensor, string[]>();
  private readonly updateOf = new Map<Tensor, Tensor[]>();
  private readonly leafBuffer = new Map<Tensor, number>();
  private kernelCount = 0;
  /** nodes that no graph output needs: their kernels run in the update phase, after the rest */
  private readonly updatePhase = new Set<Tensor>();

  /** `noFreshReads`: params whose new value other kernels must not read from the param's buffer */
  constructor(private readonly graph: Graph, private readonly opts: LowerOptions, private readonly noFreshReads: ReadonlySet<Tensor> = new Set()) {}

  run(): Program {
    const nodes = liveNodes(this.graph);
    for (const n of nodes) for (const i of n.inputs) {
      this.uses.set(i, (this.uses.get(i) ?? 0) + 1);
      if (n.size > i.size) this.broadcastInto.add(i);
    }
    // a value reshaped before its broadcast is broadcast too
    for (const n of [...nodes].reverse()) if (!n.isLeaf() && this.broadcastInto.has(n) && rules[n.op as keyof typeof rules].lower.kind === 'movement') this.broadcastInto.add(n.inputs[0]!);
    for (const [name, t] of this.graph.outputs) {
      this.outputOf.set(t, [...(this.outputOf.get(t) ?? []), name]);
      this.uses.set(t, (this.uses.get(t) ?? 0) + 1);
    }
    for (const [target, v] of this.graph.updates) {
      this.updateOf.set(v, [...(this.updateOf.get(v) ?? []), target]);
      this.uses.set(v, (this.uses.get(v) ?? 0) + 1);
    }
    const neededByOutputs = new Set<Tensor>();
    const stack = [...this.graph.outputs.values()];
    while (stack.length) {
      const t = stack.pop()!;
      if (neededByOutputs.has(t)) continue;
      neededByOutputs.add(t);
      stack.push(...t.inputs);
    }
    for (const n of nodes) if (!n.isLeaf() && !neededByOutputs.has(n)) this.updatePhase.add(n);
    // leaves first, so persistent buffers come first in the program's buffer list; every declared
    // input keeps its slot even when unused, so callers can always feed what the graph declares
    const keep = new Set([...nodes, ...this.graph.inputs.values()]);
    for (const n of this.graph.nodes) if (n.isLeaf() && keep.has(n)) this.values.set(n, this.leaf(n));
    for (const n of nodes) if (!n.isLeaf()) this.values.set(n, this.visit(n));
    const outputs: Program['outputs'] = [];
    for (const [name, t] of this.graph.outputs) outputs.push({ name, buffer: this.storeOutput(name, t) });
    for (const [target, v] of this.graph.updates) this.storeUpdate(target, v);
    const phase = this.updatePhaseContext();
    separateSelfHazards(phase);
    orderUpdates(phase);
    fuseUpdateKernels(phase);
    const byRole = (role: BufferRole) => this.buffers.filter((b) => b.role === role);
    // reductions over the same rows, one after the other, run as one kernel (multi-output reduce);
    // last, on the final order, so the update phase's reductions (a norm's backward sums) join too
    const ordered = [...this.kernels, ...this.deferred.map((d) => d.kernel)];
    const kernels = this.opts.fuse ? fuseRowReductions(ordered, this.sources) : ordered;
    return {
      buffers: this.buffers,
      kernels,
      sources: kernels.map((k) => this.sources.get(k) ?? []),
      arenaBytes: 0,
      inputs: byRole('input').map((b) => ({ name: b.name, buffer: b.id })),
      outputs,
      params: byRole('param').map((b) => ({ name: b.name, buffer: b.id })),
      state: byRole('state').map((b) => ({ name: b.name, buffer: b.id })),
    };
  }

  private newBuffer(role: BufferRole, name: string, shape: Shape, dtype: BufferDecl['dtype'], init?: BufferDecl['init']): number {
    const id = this.buffers.length;
    this.buffers.push({ id, name, role, shape: [...shape], dtype, size: Math.max(1, sizeOf(shape)), offset: 0, ...(init ? { init } : {}) });
    return id;
  }

  private leaf(n: Tensor): Value {
    if (n.op === 'const' && n.size === 1) {
      return { expr: { op: 'const', value: n.value![0]!, dtype: n.dtype }, positional: false, leaves: new Set() };
    }
    const role = n.op as BufferRole;
    const id = this.newBuffer(role, n.name ?? `const${n.id}`, n.shape, n.dtype, n.value);
    this.leafBuffer.set(n, id);
    const view: View = { buffer: id, offset: 0, strides: contiguousStrides(n.shape) };
    this.stored.set(n, view);
    return { expr: { op: 'load', view, dtype: n.dtype }, positional: false, leaves: n.op === 'param' || n.op === 'state' ? new Set([n]) : new Set() };
  }

  private kernelName(n: Tensor): string {
    return `k${this.kernelCount++}_${n.op}`;
  }

  /**
   * Stores a value through `view` (a temp, output or param buffer) with one kernel. Kernels of
   * update-phase nodes, and every in-place write of a param (`target`), run after all others.
   */
  private emit(n: Tensor, v: Value, view: View, target?: Tensor): void {
    const store: Store = { view, expr: v.expr };
    let kernel: Kernel;
    if (v.pending) {
      kernel = this.pending.get(v.pending)!.build([store]);
      this.pending.delete(v.pending);
    } else {
      kernel = { kind: 'elementwise', name: this.kernelName(n), shape: [...n.shape], stores: [store] };
    }
    this.push(n, kernel, [...(v.ops ?? [])], v.leaves, v.fresh, target);
  }

  /** Appends a kernel computing node `n` (to the update phase when n belongs there). */
  private push(n: Tensor, kernel: Kernel, ops: string[], leaves: Set<Tensor>, fresh?: Set<Tensor>, target?: Tensor): void {
    this.sources.set(kernel, ops);
    if (target || this.updatePhase.has(n)) this.deferred.push({ kernel, ...(target ? { writes: target } : {}), reads: leaves, fresh: fresh ?? new Set() });
    else this.kernels.push(kernel);
  }

  /** Materializes n's value into a fresh buffer (once) and returns the load. */
  private materialize(n: Tensor, v: Value, role: BufferRole = 'temp', name = `t${n.id}_${n.op}`): Value {
    const existing = this.stored.get(n);
    if (existing) return { expr: { op: 'load', view: existing, dtype: n.dtype }, positional: false, leaves: new Set() };
    const id = this.newBuffer(role, name, n.shape, n.dtype);
    const order = role === 'temp' ? dimOrder(n.shape, this.opts.layout ?? 'nchw') : [...n.shape.keys()];
    const view: View = { buffer: id, offset: 0, strides: stridesInOrder(n.shape, order) };
    this.emit(n, v, view);
    this.stored.set(n, view);
    const out: Value = { expr: { op: 'load', view, dtype: n.dtype }, positional: false, leaves: new Set() };
    this.values.set(n, out);
    return out;
  }

  private valueOf(t: Tensor): Value {
    return this.values.get(t)!;
  }

  /**
   * The operand's value as a plain view of a buffer, stored first if it is not one: anchors'
   * operands must be unmasked views with non-negative strides (a padded, flipped or computed
   * operand is materialized). `padConv` lets a convolution's input keep a zero pad on H and W,
   * which the conv then reads as its own padding (absorbConvPadding).
   */
  private asView(t: Tensor, padConv = false): View {
    let v = this.valueOf(t);
    const plain = (e: Expr) => e.op === 'load' && e.view.strides.every((s) => s >= 0)
      && (!isMasked(e.view, t.shape) || (padConv && t.rank === 4 && (e.view.fill ?? 0) === 0 && !maskedAxis(e.view, 0, t.shape[0]!) && !maskedAxis(e.view, 1, t.shape[1]!)));
    if (!plain(v.expr)) {
      const stored = this.stored.get(t);
      v = stored && plain({ op: 'load', view: stored, dtype: t.dtype }) ? { expr: { op: 'load', view: stored, dtype: t.dtype }, positional: false, leaves: new Set() } : this.materializeFresh(t, v);
    }
    return (v.expr as Extract<Expr, { op: 'load' }>).view;
  }

  /** Stores `v` into a new buffer even if `t` already has a (view-only) stored value. */
  private materializeFresh(t: Tensor, v: Value): Value {
    if (!this.stored.has(t)) return this.materialize(t, v);
    const id = this.newBuffer('temp', `t${t.id}_${t.op}_copy`, t.shape, t.dtype);
    const view: View = { buffer: id, offset: 0, strides: contiguousStrides(t.shape) };
    this.emit(t, v, view);
    return { expr: { op: 'load', view, dtype: t.dtype }, positional: false, leaves: new Set() };
  }

  /** A value that can be re-indexed (no pending accumulator, not positional): stored if needed. */
  private reindexable(t: Tensor): Value {
    const a = this.valueOf(t);
    return a.positional || a.pending ? this.materialize(t, a) : a;
  }

  /**
   * `a` (the value of `t`) padded with `value`: every view of its expression gets the padding
   * (masked views). Exact without a select when the expression is one read (its fill becomes
   * `value`) or yields `value` wherever all its reads are out of bounds (relu(x), x·y, x + y with
   * zero pads); otherwise the operand is stored first and the stored buffer is padded.
   */
  private padValue(t: Tensor, a: Value, before: readonly number[], after: readonly number[], value: number): Expr {
    const single = a.expr.op === 'load' || a.expr.op === 'gather';
    if (single) {
      const e = remapViews(a.expr, (vw) => padView(t.shape, vw, before, after, value));
      if (e) return e;
    } else {
      const e = remapViews(a.expr, (vw) => padView(t.shape, vw, before, after, isMasked(vw, t.shape) ? (vw.fill ?? 0) : 0));
      if (e && valueWhereAllMasked(e, ALU) === value) return e;
    }
    const stored = a.expr.op === 'load' && !a.expr.view.mask ? a : this.materializeFresh(t, a);
    return remapViews(stored.expr, (vw) => padView(t.shape, vw, before, after, value))!;
  }

  private visit(n: Tensor): Value {
    const rule = rules[n.op as keyof typeof rules];
    const lower = rule.lower;
    let v: Value;
    switch (lower.kind) {
      case 'elementwise': {
        const r = n.rank;
        let pendingSeen: Tensor | undefined;
        const args = n.inputs.map((t) => {
          let a = this.valueOf(t);
          if (a.pending && pendingSeen && a.pending !== pendingSeen) a = this.materialize(t, a);
          if (a.pending) pendingSeen = a.pending;
          // rank-0 operands (scalar seeds) are broadcast to the output's space
          if (t.rank === 0 && r > 0) {
            if (a.positional || a.pending) a = this.materialize(t, a);
            a = { ...a, expr: mapViews(a.expr, (vw) => ({ ...vw, strides: new Array(r).fill(0) })) };
          }
          return a;
        });
        const expr = (lower.expr as (a: Expr[], at: unknown, o: Tensor) => Expr)(args.map((a) => a.expr), n.attrs, n);
        v = {
          expr,
          positional: !!lower.positional || args.some((a) => a.positional),
          ...merged(args),
          ...(pendingSeen ? { pending: pendingSeen } : {}),
        };
        v.ops = [...(v.ops ?? []), n.op];
        break;
      }
      case 'movement': {
        const input = n.inputs[0]!;
        const moved = n.op === 'reshape' ? this.reshapePending(input, n) : undefined;
        if (moved) { v = moved; break; }
        let a = this.reindexable(input);
        const view = lower.view as (s: Shape, vw: View, at: unknown, o: Shape) => View | null;
        const remap = (val: Value) => remapViews(val.expr, (vw) => view(input.shape, vw, n.attrs, n.shape));
        let e = remap(a);
        if (!e) {
          // not expressible as a view: copy the operand to a contiguous buffer first
          a = this.materializeFresh(input, a);
          e = remap(a)!;
        }
        v = { expr: e, positional: false, leaves: a.leaves, ...(a.fresh ? { fresh: a.fresh } : {}), ops: a.ops ?? [] };
        break;
      }
      case 'pad': {
        const input = n.inputs[0]!;
        const a = this.reindexable(input);
        const p = (lower.pads as (at: unknown, s: Shape) => { before: number[]; after: number[]; value: number })(n.attrs, input.shape);
        v = { expr: this.padValue(input, a, p.before, p.after, p.value), positional: false, ...merged([a]) };
        v.ops = [...(v.ops ?? []), n.op];
        break;
      }
      case 'concat': {
        // concat = Σ_i pad_i(x_i) with zero pads: each point reads exactly one operand in bounds
        const axis = (lower.axis as (at: unknown) => number)(n.attrs);
        const total = n.shape[axis]!;
        let at = 0;
        const parts = n.inputs.map((t) => {
          const a = this.reindexable(t);
          const before = t.shape.map((_, d) => (d === axis ? at : 0));
          const after = t.shape.map((m, d) => (d === axis ? total - at - m : 0));
          at += t.shape[axis]!;
          return { ...a, expr: this.padValue(t, a, before, after, 0) };
        });
        const expr = parts.slice(1).reduce<Expr>((s, p) => ({ op: 'binary', fn: 'add', a: s, b: p.expr, dtype: n.dtype }), parts[0]!.expr);
        v = { expr, positional: false, ...merged(parts) };
        v.ops = [...(v.ops ?? []), n.op];
        break;
      }
      case 'gather': {
        v = this.gatherValue(n, (lower.axis as (at: unknown) => number)(n.attrs));
        break;
      }
      case 'scatter': {
        const [upd, idx] = n.inputs as [Tensor, Tensor];
        const axis = (lower.axis as (at: unknown) => number)(n.attrs);
        const updates = this.asView(upd), indices = this.asView(idx);
        const id = this.newBuffer('temp', `t${n.id}_${n.op}`, n.shape, n.dtype);
        const out: View = { buffer: id, offset: 0, strides: contiguousStrides(n.shape) };
        const kernel: Kernel = { kind: 'scatter_add', name: this.kernelName(n), shape: [...n.shape], axis, count: idx.shape[0]!, indices, updates, out };
        this.push(n, kernel, [n.op], new Set([...this.valueOf(upd).leaves, ...this.valueOf(idx).leaves]));
        this.stored.set(n, out);
        v = { expr: { op: 'load', view: out, dtype: n.dtype }, positional: false, leaves: new Set() };
        break;
      }
      case 'reduce': {
        const input = n.inputs[0]!;
        // an operand reading its own position (iota) lifts into the body space; random numbers cannot
        let a = this.valueOf(input);
        if (a.pending || (a.positional && someExpr(a.expr, (x) => x.op === 'random'))) a = this.materialize(input, a);
        const axes = (lower.axes as (at: unknown) => number[])(n.attrs);
        // body space: [output dims (reduced ones have extent 1), reduced dims...]
        const bodySpace = [...input.shape.map((d, i) => (axes.includes(i) ? 1 : d)), ...axes.map((ax) => input.shape[ax]!)];
        let lifted = liftIntoBody(a.expr, input.shape, axes, bodySpace);
        let reduceShape = axes.map((ax) => input.shape[ax]!);
        if (lower.reduce === 'sum' && this.opts.fuse) {
          // a one-hot masked sum picks one element per row: a gather, not a loop over that axis
          ({ body: lifted, reduceShape } = foldOneHotAxes(lifted, bodySpace, input.rank));
          if (reduceShape.length === 0) {
            v = { expr: lifted, positional: someExpr(lifted, (x) => x.op === 'index' || x.op === 'random'), leaves: a.leaves, ...(a.fresh ? { fresh: a.fresh } : {}), ops: [...(a.ops ?? []), n.op] };
            break;
          }
        }
        // min folds max over an order-reversing map, so backends need no min fold: −x for f32
        // (exact), ~x = −x − 1 for i32 (wrapping, so −2³¹ ↦ 2³¹ − 1 has no overflow)
        const negate = lower.reduce === 'min';
        const flip = (e: Expr): Expr => {
          const neg: Expr = { op: 'unary', fn: 'neg', a: e, dtype: n.dtype };
          return n.dtype === 'i32' ? { op: 'binary', fn: 'sub', a: neg, b: { op: 'const', value: 1, dtype: 'i32' }, dtype: 'i32' } : neg;
        };
        const name = this.kernelName(n);
        const fold = negate ? 'max' : (lower.reduce as 'sum' | 'max' | 'argmax');
        const anchor = (outShape: number[], body: Expr): PendingAnchor => ({
          build: (stores) => ({ kind: 'reduce', name, shape: outShape, reduceShape, phases: [{ reduce: fold, body, stores }] }),
          respace: (to, map) => {
            const moved = respaceUnitAxes(body, outShape, to, map, reduceShape);
            return moved && anchor([...to], moved);
          },
        });
        this.pending.set(n, anchor([...n.shape], negate ? flip(lifted) : lifted));
        const acc: Expr = { op: 'acc', dtype: n.dtype };
        v = { expr: negate ? flip(acc) : acc, positional: false, pending: n, leaves: a.leaves, ops: [...(a.ops ?? []), n.op] };
        break;
      }
      case 'anchor': {
        // a convolution reads a zero-padded input through its own padding (absorbConvPadding)
        const padConv = n.op === 'conv2d' ? 0 : n.op === 'conv2d_weight_grad' ? 1 : -1;
        const views = n.inputs.map((t, i) => this.asView(t, i === padConv));
        const leaves = new Set(n.inputs.flatMap((t) => [...this.valueOf(t).leaves]));
        const name = this.kernelName(n);
        const build = lower.kernel as (o: View[], s: Store[], at: unknown, ins: readonly Tensor[], out: Tensor, name: string) => Kernel;
        this.pending.set(n, { build: (stores) => absorbConvPadding(build(views, stores, n.attrs, n.inputs, n, name)) });
        v = { expr: { op: 'acc', dtype: n.dtype }, positional: false, pending: n, leaves, ops: [n.op] };
        break;
      }
      default:
        return assertNever(lower, 'lowering kind');
    }
    return this.decide(n, v);
  }

  /**
   * reshape(r) of a pending reduction's value that only drops or inserts unit axes (a sum's kept
   * dimensions): the reduction is rebuilt over the new output space and stays pending, so the
   * ops after the reshape remain its epilogue instead of a kernel of their own.
   */
  private reshapePending(input: Tensor, n: Tensor): Value | undefined {
    const a = this.valueOf(input);
    const anchor = a.pending && this.pending.get(a.pending);
    const map = anchor && anchor.respace ? unitAxisMap(input.shape, n.shape) : null;
    if (!anchor || !map) return undefined;
    const moved = anchor.respace!(n.shape, map);
    const expr = moved && respaceUnitAxes(a.expr, input.shape, n.shape, map);
    if (!moved || !expr) return undefined;
    this.pending.set(a.pending!, moved);
    return { ...a, expr };
  }

  /**
   * gather(x, idx, axis): x's expression re-indexed into the output space
   * [x dims before axis, idx dims, x dims after axis], each read that moves along `axis` becoming
   * an indexed load by idx's expression (no copy: embedding lookups fuse into their consumers).
   */
  private gatherValue(n: Tensor, axis: number): Value {
    const [src, idx] = n.inputs as [Tensor, Tensor];
    let a = this.reindexable(src);
    // one index term per read: an operand that already gathers, or is masked along axis, is stored first
    const awkward = someExpr(a.expr, (x) => x.op === 'gather') || viewsOf(a.expr).some((vw) => maskedAxis(vw, axis, src.shape[axis]!));
    if (awkward) a = this.materializeFresh(src, a);
    const ix = this.reindexable(idx);
    const k = idx.rank, r = src.rank;
    const full = (shape: readonly number[]) => shape.map((m) => [0, m] as [number, number]);
    const fromSrc = (vw: View): View => {
      const strides = [...vw.strides.slice(0, axis), ...new Array<number>(k).fill(0), ...vw.strides.slice(axis + 1)];
      if (!vw.mask) return { ...vw, strides };
      const m = maskOf(vw, src.shape);
      return withMask({ ...vw, strides }, [...m.slice(0, axis), ...full(idx.shape), ...m.slice(axis + 1)], n.shape);
    };
    const fromIdx = (vw: View): View => {
      const strides = [...new Array<number>(axis).fill(0), ...vw.strides, ...new Array<number>(r - 1 - axis).fill(0)];
      if (!vw.mask) return { ...vw, strides };
      return withMask({ ...vw, strides }, [...full(src.shape.slice(0, axis)), ...maskOf(vw, idx.shape), ...full(src.shape.slice(axis + 1))], n.shape);
    };
    const index = mapViews(ix.expr, fromIdx);
    const expr = mapExpr(a.expr, (x) => {
      if (x.op !== 'load') return undefined;
      const stride = x.view.strides[axis]!;
      const view = fromSrc(x.view);
      return stride === 0 ? { ...x, view } : { op: 'gather', view, index, stride, extent: src.shape[axis]!, dtype: x.dtype };
    });
    const v: Value = { expr, positional: false, ...merged([a, ix]) };
    v.ops = [...(v.ops ?? []), n.op];
    return v;
  }

  /** Applies the store-or-inline rule (see the file comment). */
  private decide(n: Tensor, v: Value): Value {
    const uses = this.uses.get(n) ?? 0;
    const names = this.outputOf.get(n);
    if (names) return this.materialize(n, v, 'output', names[0]!);
    if (!this.opts.fuse) {
      // reference mode: every op is its own kernel; only free views stay inline
      const movement = rules[n.op as keyof typeof rules].lower.kind === 'movement';
      return movement && !v.positional ? v : this.materialize(n, v);
    }
    const targets = this.updateOf.get(n);
    if (targets && this.updatePhase.has(n) && uses > 1) {
      // a new param/state value that other updates also read (Adam's moments): recompute it inline
      // in each of them — they read its inputs anyway — so that all writes of one param's update
      // fuse into one kernel (fuseUpdateKernels); an accumulation is never recomputed
      if (v.pending) {
        if (this.noFreshReads.has(targets[0]!)) return this.materialize(n, v);
        this.storeUpdate(targets[0]!, n, v);
        return this.valueOf(n);
      }
      return v;
    }
    const limit = this.broadcastInto.has(n) ? RECOMPUTE_MAX_COST_BROADCAST : RECOMPUTE_MAX_COST;
    if (uses > 1 && (v.pending || cost(v.expr) > limit)) return this.materialize(n, v);
    return v;
  }

  /** The output buffer of `name`: the node's own stored buffer, or a copy for a second name or a leaf. */
  private storeOutput(name: string, t: Tensor): number {
    const existing = this.stored.get(t);
    if (existing) {
      const b = this.buffers[existing.buffer]!;
      if (b.role === 'output' && b.name === name) return b.id;
    }
    const id = this.newBuffer('output', name, t.shape, t.dtype);
    this.emit(t, this.valueOf(t), { buffer: id, offset: 0, strides: contiguousStrides(t.shape) });
    return id;
  }

  private storeUpdate(target: Tensor, value: Tensor, computed?: Value): void {
    if (target === value) return;
    const existing = this.stored.get(value);
    if (existing && existing.buffer === this.leafBuffer.get(target)) return; // already written in place
    let v = computed ?? this.valueOf(value);
    // a pending anchor builds one kernel: a value other updates also read is stored first
    if (v.pending && this.noFreshReads.has(target) && (this.updateOf.get(value)?.length ?? 0) > 1) v = this.materialize(value, v);
    const id = this.leafBuffer.get(target)!;
    const view: View = { buffer: id, offset: 0, strides: contiguousStrides(target.shape) };
    this.emit(value, v, view, target);
    // later updates that read this value now read it from the target's buffer
    if (!this.stored.has(value) && !this.noFreshReads.has(target)) {
      this.stored.set(value, view);
      this.values.set(value, { expr: { op: 'load', view, dtype: value.dtype }, positional: false, leaves: new Set(), fresh: new Set([target]) });
    }
  }

  private updatePhaseContext(): UpdatePhase {
    return {
      deferred: this.deferred, buffers: this.buffers, sources: this.sources, leafBuffer: this.leafBuffer,
      newBuffer: (role, name, shape, dtype) => this.newBuffer(role, name, shape, dtype),
      kernelName: (what) => `k${this.kernelCount++}_${what}`,
    };
  }
}
