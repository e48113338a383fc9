/**
 * `npm run build:kernels`: compiles the AssemblyScript kernel library (assembly/index.ts) once
 * per variant and writes compiler/backends/wasm/kernels/kernels.generated.ts (scripts/kernels-module.ts):
 * the build info (source hash, sizes and the constants the backend plans scratch with) and each
 * variant's .wasm as base64. The module is committed (about 40 KB of base64 per variant), so a
 * fresh clone runs without building; test/backends/wasm/kernels.test.ts fails when it is stale.
 */
import asc from 'assemblyscript/asc';
import ascPackage from 'assemblyscript/package.json' with { type: 'json' };
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  isThreaded, KERNEL_CONSTANT_NAMES, KERNEL_FILES, kernelEntries, THREAD_CONSTANT_NAMES, KERNEL_SOURCES, KERNEL_VARIANTS, kernelAscFlags, kernelSourceHash,
  type KernelBuildInfo, type KernelConstants, type KernelVariant,
} from '../compiler/backends/wasm/kernel-variants.ts';

import { enableRelaxedSimdInNode } from '../runtime/node/wasm-relaxed.ts';
import { KERNELS_MODULE, renderKernelsModule } from './kernels-module.ts';

enableRelaxedSimdInNode();
const root = fileURLToPath(new URL('../', import.meta.url));

async function build(v: KernelVariant): Promise<Uint8Array> {
  let wasm: Uint8Array | undefined;
  let errors = '';
  const { error } = await asc.main([...kernelEntries(v).map((f) => `assembly/${f}`), '--outFile', 'out.wasm', ...kernelAscFlags(v)], {
    readFile: async (name, baseDir) => {
      // the flags are kernelAscFlags alone, not the editor's asconfig.json
      if (name.endsWith('asconfig.json')) return null;
      try { return await readFile(join(root, baseDir, name), 'utf8'); } catch { return null; }
    },
    writeFile: (name, contents) => { if (name.endsWith('.wasm') && typeof contents !== 'string') wasm = contents; },
    listFiles: () => [],
    stdout: { write: () => true } as never,
    stderr: { write: (s: string | Uint8Array) => { errors += typeof s === 'string' ? s : new TextDecoder().decode(s); return true; } } as never,
  });
  if (error || !wasm) throw new Error(`build-kernels: ${v}: ${error?.message ?? 'no output'}\n${errors}`);
  return wasm;
}

function constantsOf(v: KernelVariant, wasm: Uint8Array): KernelConstants {
  const threads = isThreaded(v);
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, ...(threads ? { shared: true } : {}) });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), { env: { memory } });
  const c = {} as KernelConstants;
  for (const name of [...KERNEL_CONSTANT_NAMES, ...(threads ? THREAD_CONSTANT_NAMES : [])]) {
    const g = instance.exports[name];
    if (!(g instanceof WebAssembly.Global)) throw new Error(`build-kernels: ${v} does not export the constant ${name}`);
    c[name] = g.value as number;
  }
  if (c.GEMM_MR > c.PLAN_EDGE_ROWS || c.GEMM_MC > c.PLAN_MC) throw new Error(`build-kernels: ${v}: MR ${c.GEMM_MR} / MC ${c.GEMM_MC} exceed the planned edge rows / m-block`);
  for (const job of ['GEMM_JOB_BYTES', 'POOL_JOB_BYTES'] as const) {
    if (threads && c[job]! > c.JOB_ARG_BYTES!) throw new Error(`build-kernels: ${v}: ${job} = ${c[job]} does not fit the pool's job block (${c.JOB_ARG_BYTES} bytes)`);
  }
  return c;
}

const sources = Object.fromEntries(await Promise.all(KERNEL_SOURCES.map(async (f) => [f, await readFile(join(root, 'assembly', f), 'utf8')] as const)));
const variants = {} as KernelBuildInfo['variants'];
const wasmOf = {} as Record<KernelVariant, Uint8Array>;
for (const v of KERNEL_VARIANTS) {
  const t0 = performance.now();
  const wasm = await build(v);
  wasmOf[v] = wasm;
  variants[v] = { file: KERNEL_FILES[v], bytes: wasm.length, sha256: createHash('sha256').update(wasm).digest('hex'), constants: constantsOf(v, wasm) };
  console.log(`${KERNEL_FILES[v]}: ${wasm.length} bytes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const info: KernelBuildInfo = { sourceHash: await kernelSourceHash(sources, ascPackage.version), ascVersion: ascPackage.version, variants };
const text = renderKernelsModule(info, wasmOf);
// written only when it changed: `npm pack` runs this while tests may be importing the module
if (await readFile(KERNELS_MODULE, 'utf8').catch(() => '') !== text) {
  await writeFile(KERNELS_MODULE, text);
  console.log(`wrote ${KERNELS_MODULE}`);
}
