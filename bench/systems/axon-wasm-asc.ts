import { prepareAxonCase } from '../peers/axon.ts';
import { warmUpAsc } from '../peers/axon-asc.ts';
import type { BenchSystem } from '../system.ts';
import { AXON_VERSION } from '../../compiler/index.ts';

const system: BenchSystem = {
  description: "Axon WASM backend, the old code path (codegen: 'asc': AssemblyScript + binaryen compile the program with the kernel library's sources, no disk cache), single thread",
  threads: 1,
  init: async () => {
    return { versions: { axon: AXON_VERSION, assemblyscript: await warmUpAsc() }, notes: ['128-bit SIMD', '1 thread', 'asc codegen, asc loaded in init, no module cache'] };
  },
  prepare: (c) => prepareAxonCase(c, { backend: 'wasm', codegen: 'asc' }),
};
export default system;
