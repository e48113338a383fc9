/**
 * The first WASM compile in a page costs more than later ones (the compiler's JavaScript is cold
 * and the kernel library is still to be fetched). Compiling a throwaway model of the same kind
 * (dense layers, softmax cross-entropy, Adam) right after the page loads moves that cost to
 * while the user is still choosing settings.
 */
import { compile, trainStep } from '../../../compiler/index.ts';
import { evalGraph, optimizerFor, trainGraph, type ModelConfig } from './model.ts';

const TINY: ModelConfig = {
  features: ['x1'], hidden: [3], activation: 'relu', optimizer: 'adam', lr: 0.5, batchSize: 3, l2: 0, dropout: 0, seed: 99,
};

/** Resolves with how long the warm-up took, in milliseconds. */
export async function warmUpWasmCompiler(): Promise<number> {
  const t0 = performance.now();
  await compile(trainStep(trainGraph(TINY), { optimizer: optimizerFor(TINY) }), { backend: 'wasm' });
  await compile(evalGraph(TINY, 5), { backend: 'wasm' });
  return performance.now() - t0;
}
