import { initTfjsWasm } from '../peers/tfjs-wasm.ts';
import { prepareTfjsCase, tfjsSupports } from '../peers/tfjs.ts';
import type { BenchSystem } from '../system.ts';

const system: BenchSystem = {
  description: 'TensorFlow.js wasm backend, SIMD + 2 threads (threaded-simd binary)',
  init: () => initTfjsWasm(2),
  supports: tfjsSupports,
  prepare: async (c) => prepareTfjsCase(c),
};
export default system;
