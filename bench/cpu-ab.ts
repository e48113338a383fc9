/**
 * CPU-time A/B of bench systems in ONE process, for a loaded machine where wall-clock medians of
 * separate worker processes swing by ±50%:
 *   npx tsx bench/cpu-ab.ts --case matmul-512,cnn-infer-b64 --system base:axon-wasm,axon-wasm,tfjs-wasm [--rounds 21] [--base DIR]
 * `base:NAME` loads bench/systems/NAME.ts from another checkout (--base, e.g. a `git worktree`
 * of the commit before a change), so the old and the new kernel library run side by side. Each
 * round times every system for ≥ 60 ms in turn (interleaved, so load changes hit all alike) and
 * reports the median CPU time per run (process.cpuUsage: all threads), its throughput, the wall
 * median, and the CPU-time ratio against tfjs-wasm (or the first system). Not part of `npm run bench`.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CASES } from './cases.ts';
import type { BenchSystem } from './system.ts';

const arg = (name: string, fallback?: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const caseNames = arg('--case')?.split(',') ?? [];
const systems = arg('--system')?.split(',') ?? [];
const rounds = Number(arg('--rounds', '15'));
const baseDir = path.resolve(arg('--base', '../base')!);
if (!caseNames.length || !systems.length) throw new Error('cpu-ab: give --case and --system lists');

const load = async (s: string): Promise<BenchSystem> => {
  const file = s.startsWith('base:') ? path.join(baseDir, 'bench', 'systems', `${s.slice(5)}.ts`) : new URL(`./systems/${s}.ts`, import.meta.url).pathname;
  return (await import(pathToFileURL(file).href)).default as BenchSystem;
};
const mods = await Promise.all(systems.map(load));
for (const m of mods) await m.init();
const median = (a: number[]) => a.slice().sort((x, y) => x - y)[a.length >> 1]!;
console.log(`cpu-ab: ${rounds} rounds; load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const name of caseNames) {
  const c = CASES.find((x) => x.name === name);
  if (!c) throw new Error(`cpu-ab: no case "${name}"`);
  const active = systems.map((s, i) => ({ s, m: mods[i]! })).filter(({ m }) => (m.supports?.(c) ?? true) === true);
  const prepared = await Promise.all(active.map(({ m }) => m.prepare(c)));
  const cpu: number[][] = active.map(() => []), wall: number[][] = active.map(() => []);
  for (const p of prepared) for (let i = 0; i < 3; i++) await p.run();
  for (let r = 0; r < rounds; r++) {
    for (const [i, p] of prepared.entries()) {
      let n = 0;
      const c0 = process.cpuUsage(), t0 = performance.now();
      while (performance.now() - t0 < 60 || n < 2) { await p.run(); n++; }
      const cu = process.cpuUsage(c0);
      cpu[i]!.push((cu.user + cu.system) / 1000 / n);
      wall[i]!.push((performance.now() - t0) / n);
    }
  }
  const ref = active.findIndex(({ s }) => s === 'tfjs-wasm');
  const base = median(cpu[ref >= 0 ? ref : 0]!);
  const per = (ms: number) => c.metric === 'gflops' ? `${(c.flops! / ms / 1e6).toFixed(1)} GFLOP/s` : c.samples ? `${(c.samples / ms * 1000).toFixed(0)} samples/s` : `${(1000 / ms).toFixed(1)} steps/s`;
  for (const [i, { s }] of active.entries()) {
    const m = median(cpu[i]!);
    console.log(`${name.padEnd(16)} ${s.padEnd(24)} cpu ${m.toFixed(3)} ms (${per(m)})  wall ${median(wall[i]!).toFixed(3)} ms  ×${ref >= 0 ? 'tfjs-wasm' : active[0]!.s} ${(base / m).toFixed(2)}`);
  }
  for (const p of prepared) await p.dispose();
}
process.exit(0);
