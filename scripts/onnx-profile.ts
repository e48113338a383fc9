/**
 * Per-kernel profile of an imported ONNX model on the wasm backend (as
 * test/backends/wasm/profile-step.ts does for the training steps): every kernel function is
 * exported and called one by one in program order; wall and CPU time per kernel and per kind.
 *   npx tsx scripts/onnx-profile.ts [resnet18|mobilenet_v2|…] [--threads N] [--relaxed] [--reps R] [--top K]
 */
import { compileProgram } from '../compiler/index.ts';
import { buildArtifact } from '../compiler/artifact/build.ts';
import { createWasmBackend } from '../compiler/backends/wasm/index.ts';
import { functionName } from '../compiler/backends/wasm/program.ts';
import type { Kernel } from '../compiler/kernel/ir.ts';
import { importOnnx } from '../compiler/onnx/import.ts';
import { createSession } from '../runtime/node/index.ts';
import { WasmSession } from '../runtime/wasm/session.ts';
import { mulberry32 } from '../runtime/data/prng.ts';
import { enableRelaxedSimdInNode } from '../runtime/node/wasm-relaxed.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : fallback; };
const which = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]!.startsWith('--') && args[i - 1] !== '--relaxed')) ?? 'resnet18';
const relaxed = args.includes('--relaxed');
const threads = opt('--threads', 1), reps = opt('--reps', 5), top = opt('--top', 20);
if (relaxed) enableRelaxedSimdInNode();

const size = which === 'vit_tiny' ? 32 : 224;
const m = await importOnnx(`node_modules/.cache/axon/onnx-models/${which}.onnx`, { shapes: { input: [1, 3, size, size] } });
const r = mulberry32(61);
const feeds = { input: Float32Array.from({ length: 3 * size * size }, () => r() * 2 - 1) };
const { program } = compileProgram(m.graph, { layout: 'nchw' });
const rendered = await createWasmBackend({ profile: true, threads }).render(program, { name: which, relaxedSimd: relaxed });
const artifact = buildArtifact(program, rendered, { name: which, backend: 'wasm', training: false });
const session = await createSession(artifact, { threads, relaxedSimd: relaxed });
if (!(session instanceof WasmSession)) throw new Error('expected a wasm session');
await session.run(feeds);

const kernels = program.kernels.map((k: Kernel, i) => ({ k, i, fn: session.exports[functionName(i, k)] as () => void, wall: 0, cpu: 0 }));
for (let rep = 0; rep < reps; rep++) for (const e of kernels) {
  const c0 = process.cpuUsage(), t0 = performance.now();
  e.fn();
  e.wall += performance.now() - t0;
  const c = process.cpuUsage(c0);
  e.cpu += (c.user + c.system) / 1000;
}
const c0 = process.cpuUsage(), t0 = performance.now();
for (let rep = 0; rep < reps; rep++) await session.run(feeds);
const runWall = (performance.now() - t0) / reps;
const runCpu = ((c) => c.user + c.system)(process.cpuUsage(c0)) / 1000 / reps;
session.dispose();

const total = kernels.reduce((s, e) => s + e.wall, 0) / reps;
const totalCpu = kernels.reduce((s, e) => s + e.cpu, 0) / reps;
const describe = (k: Kernel): string => {
  switch (k.kind) {
    case 'matmul': return `${k.batch}×${k.m}×${k.n}×${k.k}`;
    case 'conv2d': { const g = k.geometry; return `${k.mode} ${g.inChannels}→${g.outChannels} ${g.inHeight}×${g.inWidth} k${g.kernelHeight}×${g.kernelWidth} s${g.strideH} g${g.groups}`; }
    case 'pool2d': return `${k.mode} ${k.geometry.channels}×${k.geometry.inHeight}×${k.geometry.inWidth}`;
    case 'reduce': return `${k.phases.map((p) => p.reduce).join('+')} [${k.shape}]/[${k.reduceShape}]`;
    case 'elementwise': return `[${k.shape}] ${k.stores.length} store(s)`;
    case 'scatter_add': return `[${k.shape}] axis ${k.axis}`;
  }
};
console.log(`${which}: ${program.kernels.length} kernels, ${threads} thread(s)${relaxed ? ', relaxed SIMD' : ''}; run ${runWall.toFixed(1)} ms wall, ${runCpu.toFixed(1)} CPU-ms; sum of kernels ${total.toFixed(1)} ms wall, ${totalCpu.toFixed(1)} CPU-ms`);
const byKind = new Map<string, { wall: number; cpu: number; n: number }>();
for (const e of kernels) {
  const key = e.k.kind === 'conv2d' ? `conv2d:${e.k.geometry.groups > 1 ? 'grouped' : e.k.geometry.kernelHeight === 1 ? '1x1' : 'kxk'}` : e.k.kind;
  const t = byKind.get(key) ?? { wall: 0, cpu: 0, n: 0 };
  t.wall += e.wall / reps; t.cpu += e.cpu / reps; t.n++;
  byKind.set(key, t);
}
for (const [kind, t] of [...byKind].sort((a, b) => b[1].cpu - a[1].cpu)) console.log(`  ${kind.padEnd(18)} ${String(t.n).padStart(3)} kernels ${t.wall.toFixed(1).padStart(7)} ms wall ${t.cpu.toFixed(1).padStart(7)} CPU-ms ${(t.cpu / totalCpu * 100).toFixed(1).padStart(5)}%`);
console.log(`top ${top}:`);
for (const e of [...kernels].sort((a, b) => b.cpu - a.cpu).slice(0, top)) {
  console.log(`  #${String(e.i).padStart(3)} ${(e.cpu / reps).toFixed(2).padStart(7)} CPU-ms ${(e.wall / reps).toFixed(2).padStart(7)} ms ${e.k.kind.padEnd(11)} ${describe(e.k).padEnd(40)} [${(program.sources?.[e.i]?.join(' ') ?? '').slice(0, 70)}]`);
}
process.exit(0);
