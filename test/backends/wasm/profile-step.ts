/**
 * Per-kernel profile of a whole training step on the wasm backend (not part of the test suite):
 *   npx tsx test/backends/wasm/profile-step.ts [cnn|mlp|mlp-infer] [--relaxed] [--threads N] [--reps R] [--top K] [--asc [--opt 0-3]]
 * Builds the program with every kernel function exported, runs one warm-up step, then calls the
 * kernels one by one in program order (so training state advances exactly as in `run()`) and
 * prints wall and CPU time per kernel with its kind and the graph ops it fuses, plus totals
 * per kind. CPU time (process.cpuUsage) is the steadier number on a loaded machine. `--asc` profiles
 * the AssemblyScript-compiled program instead of the bytecode one (to compare the two code paths).
 */
import { compileProgram } from '../../../compiler/index.ts';
import { buildArtifact } from '../../../compiler/artifact/build.ts';
import { createWasmBackend } from '../../../compiler/backends/wasm/index.ts';
import { functionName } from '../../../compiler/backends/wasm/program.ts';
import type { Kernel } from '../../../compiler/kernel/ir.ts';
import { createSession } from '../../../runtime/node/index.ts';
import { WasmSession } from '../../../runtime/wasm/session.ts';
import { STEP_MODELS } from './step-models.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const which = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a)) ?? 'cnn';
const relaxed = args.includes('--relaxed');
const threads = opt('--threads', 1);
const reps = opt('--reps', 10);
const top = opt('--top', 25);
const optimizeLevel = opt('--opt', 3);

const model = STEP_MODELS[which]?.();
if (!model) throw new Error(`unknown model "${which}"; use ${Object.keys(STEP_MODELS).join(', ')}`);
const { program } = compileProgram(model.graph, { layout: 'nchw' });
const codegen = args.includes('--asc') ? 'asc' : 'bytecode';
const rendered = await createWasmBackend({ profile: true, threads, optimizeLevel, codegen }).render(program, { name: which, relaxedSimd: relaxed });
const artifact = buildArtifact(program, rendered, { name: which, backend: 'wasm', training: model.graph.updates.size > 0 });
const session = await createSession(artifact, { threads, relaxedSimd: relaxed });
if (!(session instanceof WasmSession)) throw new Error('expected a wasm session');
await session.run(model.feeds);

const kernels = program.kernels.map((k: Kernel, i) => ({ k, i, fn: session.exports[functionName(i, k)] as () => void, wall: 0, cpu: 0 }));
for (let r = 0; r < reps; r++) {
  for (const e of kernels) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    e.fn();
    e.wall += performance.now() - t0;
    const c = process.cpuUsage(c0);
    e.cpu += (c.user + c.system) / 1000;
  }
}
const c0 = process.cpuUsage();
const t0 = performance.now();
for (let r = 0; r < reps; r++) await session.run(model.feeds, { outputs: [] });
const stepWall = (performance.now() - t0) / reps;
const stepCpu = ((c => c.user + c.system)(process.cpuUsage(c0))) / 1000 / reps;
session.dispose();

const totalWall = kernels.reduce((s, e) => s + e.wall, 0) / reps;
const describe = (k: Kernel): string => {
  switch (k.kind) {
    case 'matmul': return `${k.batch}×${k.m}×${k.n}×${k.k}`;
    case 'conv2d': return `${k.mode} ${k.geometry.batch}×${k.geometry.inChannels}→${k.geometry.outChannels} ${k.geometry.inHeight}×${k.geometry.inWidth}`;
    case 'pool2d': return `${k.mode} ${k.geometry.batch}×${k.geometry.channels}×${k.geometry.inHeight}×${k.geometry.inWidth}`;
    case 'reduce': return `${k.phases.map((p) => p.reduce).join('+')} [${k.shape}]/[${k.reduceShape}]`;
    case 'elementwise': return `[${k.shape}] ${k.stores.length} store(s)`;
    case 'scatter_add': return `[${k.shape}] axis ${k.axis} × ${k.count} indices`;
  }
};
console.log(`${which}: ${program.kernels.length} kernels, ${threads} thread(s)${relaxed ? ', relaxed SIMD' : ''}; ` +
  `step ${stepWall.toFixed(2)} ms wall, ${stepCpu.toFixed(2)} CPU-ms (${(model.batch / stepWall * 1000).toFixed(0)} samples/s wall); ` +
  `sum of kernels ${totalWall.toFixed(2)} ms`);
const byKind = new Map<string, { wall: number; cpu: number; n: number }>();
for (const e of kernels) {
  const key = e.k.kind === 'conv2d' || e.k.kind === 'pool2d' ? `${e.k.kind}:${e.k.mode}` : e.k.kind;
  const t = byKind.get(key) ?? { wall: 0, cpu: 0, n: 0 };
  t.wall += e.wall / reps; t.cpu += e.cpu / reps; t.n++;
  byKind.set(key, t);
}
console.log('\nby kind:');
for (const [kind, t] of [...byKind].sort((a, b) => b[1].wall - a[1].wall)) {
  console.log(`  ${kind.padEnd(20)} ${String(t.n).padStart(3)} kernels ${t.wall.toFixed(2).padStart(8)} ms ${(t.wall / totalWall * 100).toFixed(1).padStart(5)}%  cpu ${t.cpu.toFixed(2)} ms`);
}
console.log(`\ntop ${top} kernels:`);
for (const e of [...kernels].sort((a, b) => b.wall - a.wall).slice(0, top)) {
  const ops = program.sources?.[e.i]?.join(' ') ?? '';
  console.log(`  #${String(e.i).padStart(2)} ${(e.wall / reps).toFixed(3).padStart(8)} ms ${(e.wall / reps / totalWall * 100).toFixed(1).padStart(5)}%  ${e.k.kind.padEnd(11)} ${describe(e.k).padEnd(34)} ${e.k.name}  [${ops.slice(0, 90)}]`);
}
process.exit(0);
