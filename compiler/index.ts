/**
 * Axon's compiler API (`import … from 'axon'`): build graphs, differentiate them, compile them
 * to artifacts. This is the browser build of the entry; Node gets compiler/node.ts, which adds a
 * disk cache of compiled modules.
 * @module axon
 */
export { Graph, Tensor } from './ir/graph.ts';
export type { DType, Shape, TensorType } from './ir/types.ts';
export { GraphError } from './ir/errors.ts';
export * from './frontend/math.ts';
export { leakyRelu, elu, softplus, softmax, logSoftmax, logSumExp } from './frontend/activations.ts';
export * from './frontend/composites.ts';
export * as losses from './frontend/losses.ts';
export * as optim from './frontend/optim.ts';
export * as init from './frontend/init.ts';
export * as nn from './frontend/nn.ts';
export { gradients, grad } from './autodiff/grad.ts';
export { trainStep, SKIPPED_OUTPUT, type TrainStepOptions } from './autodiff/train.ts';
export { evaluate } from './interpreter/evaluate.ts';
export { compile, compileProgram, type CompileOptions } from './compile.ts';
export { AXON_VERSION } from './version.ts';
export { perceptronRule } from './frontend/perceptron.ts';
export { gradCheck, type GradCheckReport } from './autodiff/gradcheck.ts';
export { batchNormOp } from './frontend/normalization.ts';
export * as metrics from './frontend/metrics.ts';
export { explain, formatExplanation, type Explanation } from './explain/explain.ts';
export { graphSvg, toDot } from './explain/svg.ts';
