/**
 * f32 matmul throughput of the wasm backend, one thread: `npx tsx test/backends/wasm/bench-matmul.ts [sizes…]`.
 * Times whole session runs (one JS→wasm call each) of C = A·B for square sizes.
 */
import { acc, ProgramBuilder, randomF32, store, view } from '../programs.ts';
import { buildTestArtifact } from '../programs.ts';
import { createWasmBackend } from '../../../compiler/backends/wasm/index.ts';
import { createWasmSession } from '../../../runtime/wasm/session.ts';
import { nodeWasmWorkers } from '../../../runtime/node/wasm-workers.ts';
import { enableRelaxedSimdInNode } from '../../../runtime/node/wasm-relaxed.ts';

const relaxed = process.argv.includes('--relaxed');
const threadsArg = process.argv.indexOf('--threads');
const threads = threadsArg > 0 ? Number(process.argv[threadsArg + 1]) : 1;
if (relaxed) enableRelaxedSimdInNode();
const sizes = process.argv.slice(2).filter((a, i, all) => all[i - 1] !== '--threads').map(Number).filter((n) => n > 0);
for (const n of sizes.length ? sizes : [128, 256, 512, 1024]) {
  const p = new ProgramBuilder();
  const a = p.input('a', [n, n]);
  const b = p.input('b', [n, n]);
  const c = p.output('c', [n, n]);
  p.kernel({ kind: 'matmul', name: 'mm', batch: 1, m: n, n, k: n, a: view(a, [0, n, 1]), b: view(b, [0, n, 1]), stores: [store(view(c, [0, n, 1]), acc())] });
  const program = p.build();
  const artifact = buildTestArtifact(program, await createWasmBackend({ threads }).render(program, { name: 'bench', relaxedSimd: relaxed }));
  const session = await createWasmSession(artifact, { threads, spawnWorker: nodeWasmWorkers });
  const feeds = { a: randomF32(n * n, 1), b: randomF32(n * n, 2) };
  const flops = 2 * n * n * n;
  await session.run(feeds, { outputs: [] });
  const reps = Math.max(3, Math.min(200, Math.round(2e9 / flops)));
  // wall time, and CPU time of this process (steadier on a shared machine; with a thread pool it sums all threads)
  let best = Infinity, bestCpu = Infinity;
  for (let trial = 0; trial < 5; trial++) {
    const t0 = performance.now();
    const u0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) await session.run(feeds, { outputs: [] });
    const u = process.cpuUsage(u0);
    best = Math.min(best, (performance.now() - t0) / reps);
    bestCpu = Math.min(bestCpu, (u.user + u.system) / 1000 / reps);
  }
  session.dispose();
  console.log(`matmul ${n} (${session.moduleFile}, ${session.threads} thread(s)): ${best.toFixed(3)} ms/run, ` +
    `${(flops / best / 1e6).toFixed(1)} GFLOP/s wall, ${(flops / bestCpu / 1e6).toFixed(1)} GFLOP per CPU-second`);
}
