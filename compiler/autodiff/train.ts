/**
 * The training-step transformation: forward graph + loss → one graph that computes the loss,
 * its gradients and the optimizer's update of every param, so one compiled call trains one step.
 */
import { GraphError, userCallSite } from '../ir/errors.ts';
import type { Graph } from '../ir/graph.ts';
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
}

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
  return g;
}
