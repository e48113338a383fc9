import { prepareAxonCase } from '../peers/axon.ts';
import { warmUpAsc } from '../peers/axon-asc.ts';
import type { BenchSystem } from '../system.ts';
import { AXON_VERSION } from '../../compiler/index.ts';
import { enableRelaxedSimdInNode } from '../../runtime/node/wasm-relaxed.ts';

const system: BenchSystem = {
  description: "Axon WASM backend with relaxed SIMD, the old code path (codegen: 'asc', no disk cache), single thread",
  threads: 1,
  init: async () => {
    enableRelaxedSimdInNode();
    return { versions: { axon: AXON_VERSION, assemblyscript: await warmUpAsc() }, notes: ['relaxed SIMD', '1 thread', 'asc codegen, asc loaded in init, no module cache'] };
  },
  prepare: (c) => prepareAxonCase(c, { backend: 'wasm', relaxedSimd: true, codegen: 'asc' }),
};
export default system;
