/**
 * Skinny matmul (batch-1 dense layers) on the WebGPU backend, GEMV (split K in the workgroup)
 * against one invocation per output, interleaved in one process (not part of the suite):
 *   npx tsx test/backends/webgpu/bench-gemv.ts [m n k]…   (default: 1 128 784, 1 10 128)
 */
import { renderProgram } from '../../../compiler/backends/webgpu/index.ts';
import { createNodeWebGpuSession } from '../../../runtime/node/webgpu.ts';
import { acc, buildTestArtifact, ProgramBuilder, randomF32, store, view } from '../programs.ts';

const args = process.argv.slice(2).map(Number);
const shapes = args.length >= 3 ? Array.from({ length: Math.floor(args.length / 3) }, (_, i) => args.slice(3 * i, 3 * i + 3)) : [[1, 128, 784], [1, 10, 128], [1, 1024, 1024]];
for (const [m, n, k] of shapes as [number, number, number][]) {
  const p = new ProgramBuilder();
  const a = p.input('a', [m, k]), b = p.input('b', [k, n]), y = p.output('y', [m, n]);
  p.kernel({ kind: 'matmul', name: 'mm', batch: 1, m, n, k, a: view(a, [0, k, 1]), b: view(b, [0, n, 1]), stores: [store(view(y, [0, n, 1]), acc())] });
  const program = p.build();
  const sessions = await Promise.all([true, false].map((gemv) => createNodeWebGpuSession(buildTestArtifact(program, renderProgram(program, { gemv })))));
  const feeds = { a: randomF32(m * k, 1), b: randomF32(k * n, 2) };
  for (const s of sessions) for (let i = 0; i < 3; i++) await s.run(feeds);
  const wall = [[], []] as number[][], cpu = [[], []] as number[][];
  for (let r = 0; r < 15; r++) {
    for (const [i, s] of sessions.entries()) {
      const c0 = process.cpuUsage(), t0 = performance.now();
      for (let j = 0; j < 20; j++) await s.run(feeds);
      const c = process.cpuUsage(c0);
      wall[i]!.push((performance.now() - t0) / 20);
      cpu[i]!.push((c.user + c.system) / 1000 / 20);
    }
  }
  const med = (xs: number[]) => [...xs].sort((x, z) => x - z)[Math.floor(xs.length / 2)]!;
  console.log(`${m}×${k}·${k}×${n}: gemv ${med(wall[0]!).toFixed(3)} ms (${med(cpu[0]!).toFixed(3)} CPU-ms), direct ${med(wall[1]!).toFixed(3)} ms (${med(cpu[1]!).toFixed(3)} CPU-ms) per run incl. readback; gemv/direct wall ${(med(wall[0]!) / med(wall[1]!)).toFixed(2)}`);
  for (const s of sessions) await s.dispose();
}
process.exit(0);
