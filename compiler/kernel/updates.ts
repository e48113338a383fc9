/**
 * The update phase of lowering: the kernels that write params and state in place, after every
 * kernel of the outputs. Three steps, in this order (called by kernel/lower.ts):
 *  - `separateSelfHazards`: a kernel that reads its own target through another view (p ← pᵀ)
 *    writes a temporary, copied into the param afterwards;
 *  - `orderUpdates`: readers of a param's old value before its writer, readers of the new value
 *    after; a cycle (updates reading each other's old values) goes through a temporary;
 *  - `fuseUpdateKernels`: sibling fusion of elementwise kernels over one space (Adam's m, v, w).
 */
import type { Tensor } from '../ir/graph.ts';
import { contiguousStrides, type Shape } from '../ir/types.ts';
import { checkUpdateHazards } from './hazards.ts';
import type { BufferDecl, BufferRole, Kernel, ReduceKernel, Store, View } from './ir.ts';
import { mapViews } from './expr.ts';
import { assertNever } from '../util/never.ts';
import { kernelAccess } from './plan.ts';

/** Some update-phase kernels need both old and new values of `targets` from the same buffers. */
export class FreshReadConflict extends Error {
  constructor(readonly targets: Tensor[]) {
    super(`cannot order the in-place updates of ${targets.map((t) => `"${t.name}"`).join(', ')}: a kernel reads both their old and new values`);
  }
}

/** An update-phase kernel: `writes` is the param/state it overwrites in place, if any. */
export interface DeferredKernel {
  kernel: Kernel;
  writes?: Tensor;
  /** params/state whose old value the kernel reads */
  reads: Set<Tensor>;
  /** params/state whose new value the kernel reads (from the param's buffer) */
  fresh: Set<Tensor>;
  /** a copy from a temporary into `writes` (writeThroughTemp): never redirected again */
  copy?: boolean;
}

/** What the update phase needs from the lowering: its deferred kernels, buffers and names. */
export interface UpdatePhase {
  deferred: DeferredKernel[];
  readonly buffers: readonly BufferDecl[];
  readonly sources: Map<Kernel, string[]>;
  readonly leafBuffer: ReadonlyMap<Tensor, number>;
  newBuffer(role: BufferRole, name: string, shape: Shape, dtype: BufferDecl['dtype']): number;
  kernelName(what: string): string;
}

/**
 * Sibling fusion in the update phase: elementwise kernels over the same space become one kernel
 * with several stores (e.g. Adam's m, v and w of one param). A kernel evaluates every store of a
 * point before writing any, so this is exact when the later kernel reads nothing the earlier one
 * writes (it wanted the new value) and the merged kernel has no in-place hazard: the earlier
 * kernel may read what the later one overwrites only at the very element being written
 * (`checkUpdateHazards`), never through a transpose or a broadcast. The later kernel may move up
 * past kernels it shares no buffer with (reads against writes, writes against both), e.g. past
 * the step counter's update that the ordering put between a param's write and its moments'.
 */
export function fuseUpdateKernels(c: UpdatePhase): void {
  const d = c.deferred;
  const fused: typeof d = [];
  const disjoint = (a: Set<number>, b: Set<number>) => ![...a].some((x) => b.has(x));
  for (const k of d) {
    const acc = kernelAccess(k.kernel);
    let merged = false;
    for (let j = fused.length - 1; j >= 0 && !merged; j--) {
      const prev = fused[j]!;
      if (prev.kernel.kind === 'elementwise' && k.kernel.kind === 'elementwise' && prev.kernel.shape.join() === k.kernel.shape.join()) {
        const prevWrites = kernelAccess(prev.kernel).writes;
        const kernel: Kernel = { ...prev.kernel, stores: [...prev.kernel.stores, ...k.kernel.stores] };
        if (disjoint(acc.reads, prevWrites) && checkUpdateHazards(kernel) === null) {
          c.sources.set(kernel, [...(c.sources.get(prev.kernel) ?? []), ...(c.sources.get(k.kernel) ?? [])]);
          fused[j] = { kernel, reads: new Set([...prev.reads, ...k.reads]), fresh: new Set([...prev.fresh, ...k.fresh]) };
          merged = true;
          break;
        }
      }
      // k may move above fused[j] only if they share no buffer that either writes
      const other = kernelAccess(prev.kernel);
      if (!disjoint(acc.reads, other.writes) || !disjoint(acc.writes, other.reads) || !disjoint(acc.writes, other.writes)) break;
    }
    if (!merged) fused.push(k);
  }
  d.splice(0, d.length, ...fused);
}

/** An in-place update kernel that reads its own target through another view writes a temporary instead. */
export function separateSelfHazards(c: UpdatePhase): void {
  c.deferred.forEach((k, i) => {
    if (k.writes && checkUpdateHazards(k.kernel) !== null) writeThroughTemp(c, i);
  });
}

/**
 * Redirects deferred kernel `index`'s in-place write of its target to a new temporary and
 * appends a kernel that copies the temporary into the target; `orderUpdates` runs that copy
 * after every reader of the old value and before every reader of the new one.
 */
function writeThroughTemp(c: UpdatePhase, index: number): void {
  const w = c.deferred[index]!;
  const target = w.writes!;
  const param = c.leafBuffer.get(target)!;
  const temp = c.newBuffer('temp', `t_${target.name}_new`, target.shape, target.dtype);
  const kernel = redirectWrites(w.kernel, param, temp);
  c.sources.set(kernel, c.sources.get(w.kernel) ?? []);
  c.deferred[index] = { kernel, reads: w.reads, fresh: w.fresh };
  const strides = contiguousStrides(target.shape);
  const copy: Kernel = {
    kind: 'elementwise', name: c.kernelName('copy'), shape: [...target.shape],
    stores: [{ view: { buffer: param, offset: 0, strides }, expr: { op: 'load', view: { buffer: temp, offset: 0, strides }, dtype: target.dtype } }],
  };
  c.sources.set(copy, ['copy']);
  c.deferred.push({ kernel: copy, writes: target, reads: new Set(), fresh: new Set(), copy: true });
}

/**
 * Orders the in-place update kernels: a kernel reading a param's old value runs before the
 * kernel that overwrites it, one reading the new value runs after, and a temporary's writer
 * before its readers; otherwise program order. When that is impossible (updates that read each
 * other's old values), one writer of a param that a waiting kernel still reads goes through a
 * temporary (`writeThroughTemp`), and ordering starts again.
 */
export function orderUpdates(c: UpdatePhase): void {
  for (;;) {
    const d = c.deferred;
    const { order, waiting } = updateOrder(c);
    if (!waiting.length) {
      const sorted = order.map((i) => d[i]!);
      d.splice(0, d.length, ...sorted);
      return;
    }
    const stuck = waiting.map((i) => d[i]!);
    const victim = waiting.find((i) => {
      const w = d[i]!;
      return w.writes && !w.copy && stuck.some((k) => k !== w && k.reads.has(w.writes!));
    });
    if (victim === undefined) throw new FreshReadConflict([...new Set(stuck.flatMap((k) => [...k.fresh]))]);
    writeThroughTemp(c, victim);
  }
}

/** A topological order of the deferred kernels by their hazards, and the kernels left waiting on a cycle. */
function updateOrder(c: UpdatePhase): { order: number[]; waiting: number[] } {
  const d = c.deferred;
  const before = d.map(() => new Set<number>());
  const access = d.map((k) => kernelAccess(k.kernel));
  const isTemp = (id: number) => c.buffers[id]!.role === 'temp' || c.buffers[id]!.role === 'output';
  d.forEach((k, i) => d.forEach((w, j) => {
    if (i === j) return;
    // a temporary (written once) is read after it is written
    if ([...access[j]!.writes].some((b) => isTemp(b) && access[i]!.reads.has(b))) before[i]!.add(j);
    if (!w.writes) return;
    if (k.reads.has(w.writes)) before[j]!.add(i); // reader i precedes writer j
    if (k.fresh.has(w.writes)) before[i]!.add(j); // writer j precedes new-value reader i
  }));
  const order: number[] = [];
  const done = new Set<number>();
  for (;;) {
    const next = d.findIndex((_, i) => !done.has(i) && [...before[i]!].every((j) => done.has(j)));
    if (next < 0) break;
    order.push(next);
    done.add(next);
  }
  return { order, waiting: d.flatMap((_, i) => (done.has(i) ? [] : [i])) };
}

/**
 * `k` writing buffer `to` wherever it wrote `from`. A reduce phase after one that stored `from`
 * read that result (the same point's element), so its reads of `from` move to `to` as well.
 */
function redirectWrites(k: Kernel, from: number, to: number): Kernel {
  const redirect = (v: View): View => (v.buffer === from ? { ...v, buffer: to } : v);
  const stores = (list: readonly Store[]): Store[] => list.map((s) => ({ ...s, view: redirect(s.view) }));
  switch (k.kind) {
    case 'scatter_add': return { ...k, out: redirect(k.out) };
    case 'elementwise': case 'matmul': case 'conv2d': case 'pool2d': return { ...k, stores: stores(k.stores) };
    case 'reduce': {
      const phases = k.phases.map((p, i) => {
        if (!k.phases.slice(0, i).some((q) => q.stores.some((s) => s.view.buffer === from))) return { ...p, stores: stores(p.stores) };
        return { ...p, body: mapViews(p.body, redirect), stores: p.stores.map((s) => ({ view: redirect(s.view), expr: mapViews(s.expr, redirect) })) };
      });
      return { ...k, phases: phases as ReduceKernel['phases'] };
    }
    default: return assertNever(k, 'kernel kind');
  }
}
