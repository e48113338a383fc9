import { prepareAxonCase } from '../peers/axon.ts';
import type { BenchSystem } from '../system.ts';
import { AXON_VERSION } from '../../compiler/index.ts';
import { enableRelaxedSimdInNode } from '../../runtime/node/wasm-relaxed.ts';

const system: BenchSystem = {
  description: 'Axon WASM backend with relaxed SIMD and a 2-thread pool (shared memory, GEMMs split across threads)',
  init: async () => {
    enableRelaxedSimdInNode();
    // no compiler to load: per-program code is written as bytecode onto the prebuilt kernel library
    return { versions: { axon: AXON_VERSION }, notes: ['relaxed SIMD', '2 threads'] };
  },
  prepare: (c) => prepareAxonCase(c, { backend: 'wasm', relaxedSimd: true, threads: 2 }),
};
export default system;
