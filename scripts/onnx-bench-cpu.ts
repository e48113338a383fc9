/**
 * Wall and CPU time per run of one bench system on the ONNX cases, in this process (the bench
 * harness reports wall time only): CPU time above wall time shows that a system's threads
 * really work in parallel, e.g. that onnxruntime-web's wasm threads run under Node.
 *   npx tsx scripts/onnx-bench-cpu.ts --system ort-web-wasm [--threads 2] [--case resnet18-infer-b1] [--runs 20]
 */
import { Command } from 'commander';
import { CASES } from '../bench/cases.ts';
import { prepareAxonCase } from '../bench/peers/axon.ts';
import { prepareOrtCase, type OrtLike } from '../bench/peers/ort.ts';
import { loadOrtWeb } from '../bench/peers/ort-web.ts';
import type { PreparedCase } from '../bench/system.ts';
import { enableRelaxedSimdInNode } from '../runtime/node/wasm-relaxed.ts';

const o = new Command().requiredOption('--system <name>', 'axon-wasm | axon-webgpu | ort-web-wasm | ort-node')
  .option('--threads <n>', 'threads', '1').option('--case <name>', 'case', 'resnet18-infer-b1').option('--runs <n>', 'timed runs', '20')
  .option('--relaxed', 'Axon: relaxed SIMD').parse().opts<{ system: string; threads: string; case: string; runs: string; relaxed?: boolean }>();
const c = CASES.find((k) => k.name === o.case);
if (!c) throw new Error(`no case ${o.case}`);
const threads = Number(o.threads);

async function prepare(): Promise<PreparedCase> {
  switch (o.system) {
    case 'axon-wasm':
      if (o.relaxed) enableRelaxedSimdInNode();
      return prepareAxonCase(c!, { backend: 'wasm', threads, relaxedSimd: !!o.relaxed });
    case 'axon-webgpu':
      return prepareAxonCase(c!, { backend: 'webgpu' });
    case 'ort-web-wasm':
      return prepareOrtCase((await loadOrtWeb(threads)) as unknown as OrtLike, c!, { executionProviders: ['wasm'] });
    case 'ort-node': {
      const { createRequire } = await import('node:module');
      return prepareOrtCase(createRequire(import.meta.url)('onnxruntime-node'), c!, { executionProviders: ['cpu'], intraOpNumThreads: threads });
    }
  }
  throw new Error(`unknown system ${o.system}`);
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]!; };
const p = await prepare();
for (let i = 0; i < 3; i++) await p.run();
const wall: number[] = [], cpu: number[] = [];
for (let i = 0; i < Number(o.runs); i++) {
  const c0 = process.cpuUsage(), t0 = performance.now();
  await p.run();
  wall.push(performance.now() - t0);
  const d = process.cpuUsage(c0);
  cpu.push((d.user + d.system) / 1000);
}
await p.dispose();
console.log(JSON.stringify({ system: o.system, threads, case: o.case, runs: wall.length, median_wall_ms: +median(wall).toFixed(1), min_wall_ms: +Math.min(...wall).toFixed(1), median_cpu_ms: +median(cpu).toFixed(1) }));
process.exit(0);
