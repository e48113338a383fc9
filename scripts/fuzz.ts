/**
 * The long differential fuzz sweep: `npm run fuzz -- --n 500 [--seed 1] [--batch 8] [--backends wasm,webgpu]`.
 * Every graph runs through the reference interpreter, canonicalization, the fused program and its
 * memory plan; batches of graphs then run as one artifact per backend. Each failure is printed
 * with its seed, the stage that went wrong and a listing of the graph; `--backends none` checks
 * only the interpreter-level stages. Exits 1 when anything failed.
 */
import { Command } from 'commander';
import { checkBackend, checkInterpreters, describeGraph, type Failure } from '../test/fuzz/differential.ts';
import { fuzzGraph } from '../test/fuzz/generate.ts';
import type { BackendName } from '../test/ops/backends.ts';

const opts = new Command('fuzz')
  .option('--n <count>', 'graphs to run', (v) => Number.parseInt(v, 10), 200)
  .option('--seed <first>', 'first seed', (v) => Number.parseInt(v, 10), 1)
  .option('--batch <count>', 'graphs per backend artifact', (v) => Number.parseInt(v, 10), 8)
  .option('--backends <list>', 'comma-separated backends, or "none"', 'wasm,webgpu')
  .parse()
  .opts<{ n: number; seed: number; batch: number; backends: string }>();

const backends = opts.backends === 'none' ? [] : opts.backends.split(',') as BackendName[];
const failures: Failure[] = [];
const print = (f: Failure) => console.log(`FAIL seed ${f.seed} (${f.stage}): ${f.message}\n${describeGraph(fuzzGraph(f.seed).graph)}\n`);
const t0 = performance.now();
let ran = 0;
for (let start = opts.seed; start < opts.seed + opts.n; start += opts.batch) {
  const seeds = Array.from({ length: Math.min(opts.batch, opts.seed + opts.n - start) }, (_, i) => start + i);
  for (const seed of seeds) for (const f of checkInterpreters(seed)) { failures.push(f); print(f); }
  for (const backend of backends) {
    const found = await checkBackend(seeds, backend);
    if (found === undefined) { console.log(`${backend}: unavailable, skipped`); continue; }
    for (const f of found) { failures.push(f); print(f); }
  }
  ran += seeds.length;
  console.log(`${ran} graphs, ${failures.length} failures, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
const bySeed = new Set(failures.map((f) => f.seed));
console.log(`done: ${ran} graphs (seeds ${opts.seed}–${opts.seed + ran - 1}), ${bySeed.size} failing${bySeed.size ? `: seeds ${[...bySeed].join(', ')}` : ''}`);
process.exit(failures.length ? 1 : 0);
