/**
 * Per-layer A/B of how the WASM backend builds a convolution's B (the column matrix): an im2col
 * buffer, or packed straight from the image inside the GEMM (implicit GEMM, bytecode/conv.ts
 * implicitB). Both programs are built with every kernel exported and live in one process; each
 * conv kernel is called alternately on the two, `reps` rounds, so load on the machine hits both
 * alike. Prints the per-layer medians (wall and CPU) and their ratio.
 *   npx tsx scripts/conv-b-ab.ts [resnet18|mobilenet_v2|cnn-infer] [--threads N] [--relaxed] [--reps R]
 */
import { compileProgram } from '../compiler/index.ts';
import { buildArtifact } from '../compiler/artifact/build.ts';
import { createWasmBackend } from '../compiler/backends/wasm/index.ts';
import { functionName } from '../compiler/backends/wasm/program.ts';
import type { Graph } from '../compiler/ir/graph.ts';
import type { Kernel } from '../compiler/kernel/ir.ts';
import { importOnnx } from '../compiler/onnx/import.ts';
import { createSession } from '../runtime/node/index.ts';
import { WasmSession } from '../runtime/wasm/session.ts';
import { mulberry32 } from '../runtime/data/prng.ts';
import { enableRelaxedSimdInNode } from '../runtime/node/wasm-relaxed.ts';
import { STEP_MODELS } from '../test/backends/wasm/step-models.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : fallback; };
const which = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]!.startsWith('--') && args[i - 1] !== '--relaxed')) ?? 'resnet18';
const relaxed = args.includes('--relaxed');
const threads = opt('--threads', 1), reps = opt('--reps', 15);
if (relaxed) enableRelaxedSimdInNode();

async function model(): Promise<{ graph: Graph; feeds: Record<string, Float32Array | Int32Array> }> {
  if (which in STEP_MODELS) {
    const m = STEP_MODELS[which]!();
    return { graph: m.graph, feeds: m.feeds as Record<string, Float32Array | Int32Array> };
  }
  const m = await importOnnx(`node_modules/.cache/axon/onnx-models/${which}.onnx`, { shapes: { input: [1, 3, 224, 224] } });
  const r = mulberry32(61);
  return { graph: m.graph, feeds: { input: Float32Array.from({ length: 3 * 224 * 224 }, () => r() * 2 - 1) } };
}

const { graph, feeds } = await model();
const { program } = compileProgram(graph, { layout: 'nchw' });
const modes = ['im2col', 'implicit'] as const;
const sessions = await Promise.all(modes.map(async (convB) => {
  const rendered = await createWasmBackend({ profile: true, threads, convB }).render(program, { name: which, relaxedSimd: relaxed });
  const s = await createSession(buildArtifact(program, rendered, { name: which, backend: 'wasm', training: false }), { threads, relaxedSimd: relaxed });
  if (!(s instanceof WasmSession)) throw new Error('expected a wasm session');
  await s.run(feeds);
  return s;
}));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const rows: { i: number; k: Kernel; wall: number[][]; cpu: number[][] }[] = [];
program.kernels.forEach((k, i) => { if (k.kind === 'conv2d' && k.mode === 'forward') rows.push({ i, k, wall: [[], []], cpu: [[], []] }); });
for (let rep = 0; rep < reps; rep++) {
  for (const row of rows) {
    for (let m = 0; m < 2; m++) {
      const fn = sessions[m]!.exports[functionName(row.i, row.k)] as () => void;
      const c0 = process.cpuUsage(), t0 = performance.now();
      fn();
      row.wall[m]!.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      row.cpu[m]!.push((c.user + c.system) / 1000);
    }
  }
}
console.log(`${which}: conv B by im2col vs implicit GEMM, ${threads} thread(s)${relaxed ? ', relaxed SIMD' : ''}, median of ${reps} alternating calls`);
console.log('kernel  layer                                         im2col ms (CPU)    implicit ms (CPU)   implicit / im2col (CPU)');
let total = [0, 0];
for (const { i, k, wall, cpu } of rows) {
  const g = (k as Extract<Kernel, { kind: 'conv2d' }>).geometry;
  const what = `${g.batch}× ${g.inChannels}→${g.outChannels} ${g.inHeight}×${g.inWidth} k${g.kernelHeight}×${g.kernelWidth} s${g.strideH} g${g.groups}`;
  const w = wall.map(median), c = cpu.map(median);
  total = [total[0]! + c[0]!, total[1]! + c[1]!];
  console.log(`#${String(i).padStart(3)}   ${what.padEnd(44)} ${w[0]!.toFixed(2).padStart(7)} (${c[0]!.toFixed(2).padStart(6)})   ${w[1]!.toFixed(2).padStart(7)} (${c[1]!.toFixed(2).padStart(6)})   ${(c[1]! / c[0]!).toFixed(2)}`);
}
console.log(`all forward convs: CPU ${total[0]!.toFixed(1)} ms (im2col) vs ${total[1]!.toFixed(1)} ms (implicit)`);
for (const s of sessions) s.dispose();
process.exit(0);
