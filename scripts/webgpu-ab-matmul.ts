/**
 * A/B of WebGPU matmul render options at one size, per-dispatch CPU-ms alternated in one process
 * (not part of the suite; llvmpipe's threads are in this process, so CPU time is the work):
 *   npx tsx scripts/webgpu-ab-matmul.ts '{}' '{"variant":{...}}' [n] [rounds]
 */
import { renderProgram, type WebGpuRenderOptions } from '../compiler/backends/webgpu/index.ts';
import { acc, buildTestArtifact, ProgramBuilder, store, view } from '../test/backends/programs.ts';
import { profileDispatches } from '../test/backends/webgpu/profile.ts';

const [a, b] = [JSON.parse(process.argv[2] ?? '{}') as WebGpuRenderOptions, JSON.parse(process.argv[3] ?? '{}') as WebGpuRenderOptions];
const n = Number(process.argv[4] ?? 512), rounds = Number(process.argv[5] ?? 5);
const p = new ProgramBuilder();
const x = p.input('a', [n, n]), w = p.input('b', [n, n]), y = p.output('y', [n, n]);
p.kernel({ kind: 'matmul', name: `mm${n}`, batch: 1, m: n, n, k: n, a: view(x, [0, n, 1]), b: view(w, [0, n, 1]), stores: [store(view(y, [0, n, 1]), acc())] });
const program = p.build();
const artifacts = [a, b].map((o) => buildTestArtifact(program, renderProgram(program, o)));
const ms: number[][] = [[], []];
for (let r = 0; r < rounds; r++) for (const v of [0, 1]) ms[v]!.push((await profileDispatches(artifacts[v]!, 3, false))[0]!.ms);
const median = (xs: number[]) => [...xs].sort((s, t) => s - t)[Math.floor(xs.length / 2)]!;
const [ma, mb] = [median(ms[0]!), median(ms[1]!)];
const gflop = (2 * n ** 3) / 1e9;
console.log(`matmul ${n}: A ${ma.toFixed(1)} CPU-ms (${(gflop / ma * 1e3).toFixed(2)} GFLOP/CPU-s)  B ${mb.toFixed(1)} CPU-ms (${(gflop / mb * 1e3).toFixed(2)})  B/A ${(mb / ma).toFixed(2)}, median of ${rounds}`);
process.exit(0);
