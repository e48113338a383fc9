/**
 * Axon WebGPU against jax-js and TF.js WebGPU on one bench case, in one process with the runs
 * interleaved (not part of the suite): on a loaded shared machine the systems then see the same
 * load, so the ratios mean something. Reports median wall ms and median process CPU-ms per run
 * (llvmpipe's shader threads live in this process, so CPU time is the work done).
 *   npx tsx test/backends/webgpu/compare-peers.ts cnn-train-b64 [rounds] [systems]
 */
import { CASES } from '../../../bench/cases.ts';
import type { PreparedCase } from '../../../bench/system.ts';

const name = process.argv[2] ?? 'cnn-train-b64';
const rounds = Number(process.argv[3] ?? 7);
const wanted = (process.argv[4] ?? 'axon-webgpu,jax-webgpu').split(',');
const c = CASES.find((x) => x.name === name);
if (!c) throw new Error(`no bench case ${name}`);
const systems: { name: string; run: PreparedCase }[] = [];
for (const s of wanted) {
  const system = (await import(`../../../bench/systems/${s}.ts`)).default;
  await system.init();
  const run = await system.prepare(c);
  for (let i = 0; i < 2; i++) await run.run(); // first run and a warm-up
  systems.push({ name: s, run });
}
const wall = new Map<string, number[]>(), cpu = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const s of systems) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    await s.run.run();
    const t = performance.now() - t0, cu = process.cpuUsage(c0);
    wall.set(s.name, [...(wall.get(s.name) ?? []), t]);
    cpu.set(s.name, [...(cpu.get(s.name) ?? []), (cu.user + cu.system) / 1000]);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = systems[0]!.name;
console.log(`${name}, ${rounds} interleaved rounds, medians`);
for (const s of systems) {
  const w = median(wall.get(s.name)!), u = median(cpu.get(s.name)!);
  const wr = median(wall.get(base)!) / w, ur = median(cpu.get(base)!) / u;
  console.log(`${s.name.padEnd(12)} wall ${w.toFixed(1).padStart(8)} ms  CPU ${u.toFixed(1).padStart(8)} ms   ${base} speed ×${(1 / wr).toFixed(2)} wall, ×${(1 / ur).toFixed(2)} CPU`);
}
process.exit(0);
