import { prepareAxonCase } from '../peers/axon.ts';
import type { BenchSystem } from '../system.ts';
import { AXON_VERSION } from '../../compiler/index.ts';
import { enableRelaxedSimdInNode } from '../../runtime/node/wasm-relaxed.ts';
import { warmUpWasmCompiler } from '../../compiler/backends/wasm/compile.ts';

const system: BenchSystem = {
  description: 'Axon WASM backend with relaxed SIMD and a 2-thread pool (shared memory, GEMMs split across threads)',
  init: async () => {
    enableRelaxedSimdInNode();
    // loading the AssemblyScript compiler is library loading (as tfjs-wasm loads its .wasm here), so
    // compile_ms measures compiling the model, not warming binaryen's JIT
    await warmUpWasmCompiler();
    return { versions: { axon: AXON_VERSION }, notes: ['relaxed SIMD', '2 threads', 'compiler loaded in init'] };
  },
  prepare: (c) => prepareAxonCase(c, { backend: 'wasm', relaxedSimd: true, threads: 2 }),
};
export default system;
