import '@tensorflow/tfjs-backend-cpu';
import { prepareTfjsCase, tfjsSupports, tfjsVersion, useBackend } from '../peers/tfjs.ts';
import type { BenchSystem } from '../system.ts';

const system: BenchSystem = {
  description: 'TensorFlow.js, plain-JS CPU backend',
  threads: 1,
  async init() {
    await useBackend('cpu');
    return { versions: { '@tensorflow/tfjs-core': tfjsVersion() } };
  },
  supports: tfjsSupports,
  prepare: async (c) => prepareTfjsCase(c),
};
export default system;
