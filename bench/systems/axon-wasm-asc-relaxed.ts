import { prepareAxonCase } from '../peers/axon.ts';
import { ascVersion } from '../peers/axon-asc.ts';
import type { BenchSystem } from '../system.ts';
import { AXON_VERSION } from '../../compiler/index.ts';
import { enableRelaxedSimdInNode } from '../../runtime/node/wasm-relaxed.ts';

const system: BenchSystem = {
  description: "Axon WASM backend with relaxed SIMD, the old code path (codegen: 'asc', no disk cache), single thread",
  init: async () => {
    enableRelaxedSimdInNode();
    return { versions: { axon: AXON_VERSION, assemblyscript: await ascVersion() }, notes: ['relaxed SIMD', '1 thread', 'asc codegen, cold'] };
  },
  prepare: (c) => prepareAxonCase(c, { backend: 'wasm', relaxedSimd: true, codegen: 'asc' }),
};
export default system;
