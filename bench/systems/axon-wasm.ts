import { prepareAxonCase } from '../peers/axon.ts';
import type { BenchSystem } from '../system.ts';
import { AXON_VERSION } from '../../compiler/index.ts';

const system: BenchSystem = {
  description: 'Axon WASM backend: one AssemblyScript SIMD module per program, single thread',
  init: async () => ({ versions: { axon: AXON_VERSION }, notes: ['128-bit SIMD', '1 thread'] }),
  prepare: (c) => prepareAxonCase(c, { backend: 'wasm' }),
};
export default system;
