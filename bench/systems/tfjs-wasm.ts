import { initTfjsWasm } from '../peers/tfjs-wasm.ts';
import { prepareTfjsCase, tfjsSupports } from '../peers/tfjs.ts';
import type { BenchSystem } from '../system.ts';

const system: BenchSystem = {
  description: 'TensorFlow.js wasm backend (XNNPACK), SIMD, single thread',
  threads: 1,
  init: () => initTfjsWasm(1),
  supports: tfjsSupports,
  prepare: async (c) => prepareTfjsCase(c),
};
export default system;
