import { prepareAxonCase } from '../peers/axon.ts';
import type { BenchSystem } from '../system.ts';
import { AXON_VERSION } from '../../compiler/index.ts';
import { enableRelaxedSimdInNode } from '../../runtime/node/wasm-relaxed.ts';

const system: BenchSystem = {
  description: 'Axon WASM backend with relaxed SIMD (f32x4.relaxed_madd), single thread',
  threads: 1,
  init: async () => {
    enableRelaxedSimdInNode();
    return { versions: { axon: AXON_VERSION }, notes: ['relaxed SIMD', '1 thread'] };
  },
  prepare: (c) => prepareAxonCase(c, { backend: 'wasm', relaxedSimd: true }),
};
export default system;
