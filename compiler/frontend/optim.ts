/**
 * Optimizers as graph ops: each adds its state tensors (moments, step counter) to the graph and
 * declares every param's new value as an update, so one compiled call does forward, backward
 * and the update. Formulas follow PyTorch's torch.optim (checked against its goldens).
 */
import type { Graph, Tensor } from '../ir/graph.ts';
import * as F from './math.ts';

/** A learning rate as a function of the step counter t (an f32 scalar tensor, 0 at the first step). */
export type Schedule = number | ((t: Tensor) => Tensor);

/** lr · γ^⌊t / every⌋ */
export const stepDecay = (lr: number, gamma: number, every: number): Schedule => (t) =>
  F.mul(F.exp(F.mul(F.cast(F.cast(F.div(t, every), 'i32'), 'f32'), Math.log(gamma))), lr);
/** lr · γ^t */
export const exponentialDecay = (lr: number, gamma: number): Schedule => (t) => F.mul(F.exp(F.mul(t, Math.log(gamma))), lr);

export interface Optimizer {
  readonly name: string;
  /** adds state and param updates for `params` with gradients `grads` */
  apply(g: Graph, params: readonly Tensor[], grads: readonly Tensor[]): void;
}

interface Common {
  lr: Schedule;
  /** L2 weight decay λ: adds λ·w to each gradient (the gradient of ½λ‖W‖²) */
  weightDecay?: number;
}

/** The step counter state and the learning rate tensor at this step. */
function stepAndLr(g: Graph, name: string, lr: Schedule): { t: Tensor; lr: Tensor | number } {
  const t = g.stateTensor(`${name}/step`, [], new Float32Array([0]));
  g.update(t, F.add(t, 1));
  return { t, lr: typeof lr === 'number' ? lr : lr(t) };
}

function moment(g: Graph, opt: string, p: Tensor, which: string): Tensor {
  return g.stateTensor(`${opt}/${p.name}/${which}`, p.shape, new Float32Array(p.size));
}

const decayed = (p: Tensor, d: Tensor, wd?: number) => (wd ? F.add(d, F.mul(p, wd)) : d);

/** w ← w − lr·g */
export function sgd(o: Common): Optimizer {
  return {
    name: 'sgd',
    apply(g, ps, gs) {
      const { lr } = stepAndLr(g, 'sgd', o.lr);
      ps.forEach((p, i) => g.update(p, F.sub(p, F.mul(decayed(p, gs[i]!, o.weightDecay), lr))));
    },
  };
}

/**
 * Momentum, v ← ρv + g, w ← w − lr·v. With a constant rate this is the lecture's
 * Δw(n) = −lr·g + ρΔw(n−1) (Δw = −lr·v). With `nesterov`, w ← w − lr·(g + ρv).
 */
export function momentum(o: Common & { momentum?: number; nesterov?: boolean }): Optimizer {
  const rho = o.momentum ?? 0.9;
  const name = o.nesterov ? 'nesterov' : 'momentum';
  return {
    name,
    apply(g, ps, gs) {
      const { lr } = stepAndLr(g, name, o.lr);
      ps.forEach((p, i) => {
        const d = decayed(p, gs[i]!, o.weightDecay);
        const v = moment(g, name, p, 'v');
        const v2 = F.add(F.mul(v, rho), d);
        g.update(v, v2);
        g.update(p, F.sub(p, F.mul(o.nesterov ? F.add(d, F.mul(v2, rho)) : v2, lr)));
      });
    },
  };
}

export const nesterov = (o: Common & { momentum?: number }) => momentum({ ...o, nesterov: true });

/** s ← s + g², w ← w − lr·g/(√s + ε) */
export function adagrad(o: Common & { eps?: number }): Optimizer {
  const eps = o.eps ?? 1e-10;
  return {
    name: 'adagrad',
    apply(g, ps, gs) {
      const { lr } = stepAndLr(g, 'adagrad', o.lr);
      ps.forEach((p, i) => {
        const d = decayed(p, gs[i]!, o.weightDecay);
        const s = moment(g, 'adagrad', p, 'sum');
        const s2 = F.add(s, F.square(d));
        g.update(s, s2);
        g.update(p, F.sub(p, F.mul(F.div(d, F.add(F.sqrt(s2), eps)), lr)));
      });
    },
  };
}

/**
 * Adam with bias correction; `decoupledWeightDecay` makes it AdamW (w ← w − lr·λ·w, then the
 * Adam step), while `weightDecay` adds λw to the gradient (classic L2).
 */
export function adam(o: Common & { beta1?: number; beta2?: number; eps?: number; decoupledWeightDecay?: number }): Optimizer {
  const b1 = o.beta1 ?? 0.9, b2 = o.beta2 ?? 0.999, eps = o.eps ?? 1e-8;
  const name = o.decoupledWeightDecay ? 'adamw' : 'adam';
  return {
    name,
    apply(g, ps, gs) {
      const { t, lr } = stepAndLr(g, name, o.lr);
      const t1 = F.add(t, 1);
      const c1 = F.sub(1, F.exp(F.mul(t1, Math.log(b1))));
      const c2 = F.sub(1, F.exp(F.mul(t1, Math.log(b2))));
      ps.forEach((p, i) => {
        const d = decayed(p, gs[i]!, o.weightDecay);
        const m = moment(g, name, p, 'm');
        const v = moment(g, name, p, 'v');
        const m2 = F.add(F.mul(m, b1), F.mul(d, 1 - b1));
        const v2 = F.add(F.mul(v, b2), F.mul(F.square(d), 1 - b2));
        g.update(m, m2);
        g.update(v, v2);
        const stepDir = F.div(F.div(m2, c1), F.add(F.sqrt(F.div(v2, c2)), eps));
        const base = o.decoupledWeightDecay ? F.sub(p, F.mul(F.mul(p, o.decoupledWeightDecay), lr)) : p;
        g.update(p, F.sub(base, F.mul(stepDir, lr)));
      });
    },
  };
}

export const adamw = (o: Common & { beta1?: number; beta2?: number; eps?: number; weightDecay?: number }) =>
  adam({ ...o, weightDecay: 0, decoupledWeightDecay: o.weightDecay ?? 0.01 });

/**
 * Linear warm-up over `warmup` steps, then cosine decay to minRatio·lr at step `total` (held
 * after): lr·λ(t) with λ(t) = (t+1)/warmup during warm-up, else
 * minRatio + (1 − minRatio)·½(1 + cos(π·(t − warmup)/(total − warmup))) — PyTorch's LambdaLR with
 * that λ. The rates are computed here in float64 and looked up in-graph with a one-hot of the
 * step (a few thousand steps cost nothing next to a training step), so the schedule needs no
 * trigonometric primitive.
 */
export function warmupCosine(lr: number, o: { warmup: number; total: number; minRatio?: number }): Schedule {
  const total = Math.max(1, Math.round(o.total)), warmup = Math.max(0, Math.round(o.warmup)), minRatio = o.minRatio ?? 0.1;
  const table = Float32Array.from({ length: total }, (_, t) => lr * warmupCosineFactor(t, warmup, total, minRatio));
  return (t) => {
    const step = F.minimum(F.cast(t, 'i32'), total - 1);
    const hot = F.cast(F.equal(F.iota(t.graph, [total], 0), F.broadcastTo(step, [total])), 'f32');
    return F.sum(F.mul(t.graph.constant(table, [total]), hot));
  };
}

/** λ(t) of warmupCosine (exported for the PyTorch parity script and tests) */
export function warmupCosineFactor(t: number, warmup: number, total: number, minRatio: number): number {
  if (t < warmup) return (t + 1) / warmup;
  const progress = Math.min(1, (t - warmup) / Math.max(1, total - warmup));
  return minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/**
 * Gradient clipping by global norm, in-graph: every gradient is scaled by
 * min(1, maxNorm/(‖g‖₂ + 1e-6)) over all params together (torch.nn.utils.clip_grad_norm_)
 * before `optimizer` sees it.
 */
export function clipByGlobalNorm(optimizer: Optimizer, maxNorm: number): Optimizer {
  return {
    name: optimizer.name,
    apply(g, ps, gs) {
      const norm = F.sqrt(gs.map((d) => F.sum(F.square(d))).reduce((a, b) => F.add(a, b)));
      const scale = F.minimum(F.div(maxNorm, F.add(norm, 1e-6)), 1);
      optimizer.apply(g, ps, gs.map((d) => F.mul(d, scale)));
    },
  };
}
