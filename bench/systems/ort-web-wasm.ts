import os from 'node:os';
import { ortSupports, prepareOrtCase, type OrtLike } from '../peers/ort.ts';
import { loadOrtWeb } from '../peers/ort-web.ts';
import type { BenchSystem } from '../system.ts';

let ort: Awaited<ReturnType<typeof loadOrtWeb>>;

const system: BenchSystem = {
  description: 'onnxruntime-web, wasm execution provider (MLAS, SIMD, threads)',
  async init() {
    ort = await loadOrtWeb(os.availableParallelism());
    return { versions: { 'onnxruntime-web': ort.env.versions.web ?? ort.env.versions.common }, notes: [`wasm EP, numThreads ${ort.env.wasm.numThreads}`] };
  },
  supports: ortSupports,
  prepare: (c) => prepareOrtCase(ort as unknown as OrtLike, c, { executionProviders: ['wasm'] }),
};
export default system;
