import { createRequire } from 'node:module';
import os from 'node:os';
import { ortSupports, prepareOrtCase, type OrtLike } from '../peers/ort.ts';
import type { BenchSystem } from '../system.ts';

let ort: OrtLike & { env: { versions: Record<string, string> } };
const threads = os.availableParallelism();

const system: BenchSystem = {
  description: 'onnxruntime-node, native CPU execution provider (MLAS): the native reference',
  async init() {
    // the package is CommonJS; its native binding ships inside it (bin/napi-v6/<platform>)
    ort = createRequire(import.meta.url)('onnxruntime-node');
    return { versions: { 'onnxruntime-node': ort.env.versions.node ?? ort.env.versions.common }, notes: [`cpu EP, ${threads} intra-op threads`] };
  },
  supports: ortSupports,
  prepare: (c) => prepareOrtCase(ort, c, { executionProviders: ['cpu'], intraOpNumThreads: threads }),
};
export default system;
