/**
 * The training-step transformation: forward graph + loss → one graph that computes the loss,
 * its gradients and the optimizer's update of every param, so one compiled call trains one step.
 */
import { GraphError, userCallSite } from '../ir/errors.ts';
import type { Graph, Tensor } from '../ir/graph.ts';
import * as F from '../frontend/math.ts';
import type { Optimizer } from '../frontend/optim.ts';
import { gradients } from './grad.ts';

export interface TrainStepOptions {
  /** name of the scalar loss output (default "loss") */
  loss?: string;
  optimizer: Optimizer;
  /** params to train (default: all) */
  params?: readonly string[];
  /** also output each param's gradient as grad/<name> */
  outputGradients?: boolean;
  /**
   * Skip a step whose loss or gradients hold NaN or ±Infinity: every update (params, optimizer
   * state, step counter, running statistics) keeps its old value, and the scalar output
   * `skipped` is 1 for that step (else 0). Without it one bad batch writes NaN into the params
   * for good. The check is in the graph, so the guarded step is still one program.
   */
  skipNonFinite?: boolean;
}

/** the f32 scalar output of a `skipNonFinite` step: 1 when the step was skipped */
export const SKIPPED_OUTPUT = 'skipped';
/** the largest finite f32: |x| < this is false exactly for NaN and ±Infinity (and f32 max itself) */
const F32_MAX = 3.4028234663852886e38;

export function trainStep(graph: Graph, options: TrainStepOptions): Graph {
  const lossName = options.loss ?? 'loss';
  const { graph: g } = graph.clone(`${graph.name}.train`);
  const loss = g.outputs.get(lossName);
  if (!loss) throw new GraphError(`trainStep: graph "${graph.name}" has no output "${lossName}"; outputs are ${[...g.outputs.keys()].join(', ') || '(none)'}`, userCallSite());
  const names = options.params ?? [...g.params.keys()];
  if (!names.length) throw new GraphError(`trainStep: graph "${graph.name}" has no params to train`, userCallSite());
  const params = names.map((n) => {
    const p = g.params.get(n);
    if (!p) throw new GraphError(`trainStep: no param "${n}"; params are ${[...g.params.keys()].join(', ')}`, userCallSite());
    return p;
  });
  const grads = gradients(loss, params);
  if (options.outputGradients) grads.forEach((d, i) => g.output(`grad/${names[i]}`, d));
  options.optimizer.apply(g, params, grads);
  if (options.skipNonFinite) guardNonFinite(g, loss, grads);
  return g;
}

/**
 * Makes every update conditional on one all-finite flag. A NaN anywhere stays NaN through a sum
 * and an Infinity turns it infinite (or NaN with an opposite Infinity), so one scalar — the loss
 * plus each gradient's sum — is finite exactly when all of them are (short of the sum itself
 * overflowing f32, which only gradients near f32's range can do, and then skipping is right).
 */
function guardNonFinite(g: Graph, loss: Tensor, grads: readonly Tensor[]): void {
  if (g.outputs.has(SKIPPED_OUTPUT)) throw new GraphError(`trainStep: skipNonFinite adds the output "${SKIPPED_OUTPUT}", which graph "${g.name}" already has`, userCallSite());
  let total = F.sum(loss);
  for (const d of grads) total = F.add(total, F.sum(d));
  const finite = F.less(F.abs(total), F32_MAX);
  for (const [target, value] of [...g.updates]) g.update(target, F.where(finite, value, target));
  g.output(SKIPPED_OUTPUT, F.sub(1, finite));
}
