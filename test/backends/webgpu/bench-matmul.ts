/**
 * Matmul throughput of the WebGPU backend (not part of the test suite):
 *   npx tsx test/backends/webgpu/bench-matmul.ts [sizes…]
 * Reports the first-run time (pipeline compile on llvmpipe) and steady-state GFLOP/s.
 */
import { renderProgram } from '../../../compiler/backends/webgpu/index.ts';
import { createNodeWebGpuSession } from '../../../runtime/node/webgpu.ts';
import { acc, buildTestArtifact, ProgramBuilder, randomF32, store, view } from '../programs.ts';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const n of sizes.length ? sizes : [128, 256, 512, 1024]) {
  const p = new ProgramBuilder();
  const a = p.input('a', [n, n]);
  const b = p.input('b', [n, n]);
  const y = p.output('y', [n, n]);
  p.kernel({ kind: 'matmul', name: `mm${n}`, batch: 1, m: n, n, k: n, a: view(a, [0, n, 1]), b: view(b, [0, n, 1]), stores: [store(view(y, [0, n, 1]), acc())] });
  const program = p.build();
  const session = await createNodeWebGpuSession(buildTestArtifact(program, renderProgram(program)));
  const feeds = { a: randomF32(n * n, 1), b: randomF32(n * n, 2) };
  let t = performance.now();
  await session.run(feeds);
  const first = performance.now() - t;
  const reps = Math.max(2, Math.min(20, Math.round(2e9 / (2 * n ** 3))));
  // best of 3 rounds: the machine is shared, and CPU time (llvmpipe's threads are ours) shows
  // throughput per core independent of how much of the machine other processes took
  let ms = Infinity, cpuMs = Infinity;
  for (let round = 0; round < 3; round++) {
    const c0 = process.cpuUsage();
    t = performance.now();
    for (let i = 0; i < reps; i++) await session.run(feeds, { outputs: [] });
    const c = process.cpuUsage(c0);
    ms = Math.min(ms, (performance.now() - t) / reps);
    cpuMs = Math.min(cpuMs, (c.user + c.system) / 1000 / reps);
  }
  const gflop = (2 * n ** 3) / 1e6;
  console.log(`matmul ${n}: ${(gflop / ms).toFixed(2)} GFLOP/s (${ms.toFixed(1)} ms/run; ${(gflop / cpuMs).toFixed(2)} GFLOP per CPU-second; first run ${first.toFixed(0)} ms)`);
  session.dispose();
}
process.exit(0);
