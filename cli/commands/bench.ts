/**
 * `axon bench model.onnx`: times one ONNX model on Axon's backends (compile, first run, then the
 * median of timed runs, with CPU time beside wall time) and, when onnxruntime-node is installed,
 * onnxruntime-node on the same file and the same random input, with the largest output
 * difference. The whole-suite comparison (`axon bench` without a model) is bench/run.ts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Command, Option } from 'commander';
import { compile } from '../../compiler/compile.ts';
import { createSession } from '../../runtime/node/index.ts';
import { mulberry32 } from '../../runtime/data/prng.ts';
import { importOnnxFile } from '../onnx-model.ts';

export interface ModelBenchRow {
  system: string;
  compile_ms: number;
  first_run_ms: number;
  median_ms: number;
  min_ms: number;
  /** process CPU time per run (all threads): above median_ms means the threads ran in parallel */
  cpu_ms: number;
  runs: number;
  /** largest |Δ| of the first output against onnxruntime-node (when it ran) */
  max_abs_diff?: number;
}

export interface ModelBenchResult {
  model: string;
  inputs: { name: string; shape: number[] }[];
  rows: ModelBenchRow[];
  /** systems that could not run, with why */
  skipped: { system: string; reason: string }[];
}

interface Flags { shape?: string[]; backend: string; threads: string; runs: string; ort: boolean; json: boolean }

function parse(args: string[]): { path: string; flags: Flags } {
  const cmd = new Command('axon bench').exitOverride().argument('<model.onnx>')
    .option('--shape <name=dims>', 'fix an input shape, e.g. --shape input=1,3,224,224 (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .addOption(new Option('--backend <list>', 'comma-separated backends').default('wasm'))
    .option('--threads <list>', 'WASM thread counts to time, comma-separated', '1')
    .option('--runs <n>', 'timed runs after the first', '10')
    .option('--no-ort', 'do not time onnxruntime-node')
    .option('--json', 'print JSON', false);
  cmd.parse(args, { from: 'user' });
  return { path: cmd.args[0]!, flags: cmd.opts<Flags>() };
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const positive = (v: string, flag: string) => { const n = Number(v); if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} ${v}: expected a positive integer`); return n; };

/** Times `run` once (first run), then `runs` more times; wall and process CPU time per run. */
async function time(run: () => Promise<Float32Array>, runs: number): Promise<{ first: number; median: number; min: number; cpu: number; out: Float32Array }> {
  let t0 = performance.now();
  const out = await run();
  const first = performance.now() - t0;
  const wall: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    t0 = performance.now();
    await run();
    wall.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  return { first, median: median(wall), min: Math.min(...wall), cpu: (c.user + c.system) / 1000 / runs, out };
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!)); return m; };

export async function benchModelCommand(args: string[], io: { log?: (s: string) => void } = {}): Promise<ModelBenchResult> {
  const log = io.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const { path, flags } = parse(args);
  const runs = positive(flags.runs, '--runs');
  const m = await importOnnxFile(path, flags.shape);
  for (const i of m.inputs) if (i.dtype !== 'f32') throw new Error(`${path}: input "${i.name}" is ${i.dtype}; axon bench feeds random f32 inputs only`);
  // one fixed random input in [-1, 1) per graph input, the same for every system
  const r = mulberry32(1);
  const feeds = Object.fromEntries(m.inputs.map((i) => [i.name, Float32Array.from({ length: i.shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1)]));
  const output = [...m.graph.outputs.keys()][0]!;
  const result: ModelBenchResult = { model: path, inputs: m.inputs.map((i) => ({ name: i.name, shape: i.shape })), rows: [], skipped: [] };

  let reference: Float32Array | undefined;
  if (flags.ort) {
    try {
      const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
      const t0 = performance.now();
      const s = await ort.InferenceSession.create(readFileSync(path), { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
      const compileMs = performance.now() - t0;
      const ortFeeds = Object.fromEntries(m.inputs.map((i) => [i.name, new ort.Tensor('float32', feeds[i.name]!, i.shape)]));
      const t = await time(async () => (await s.run(ortFeeds))[output]!.data as Float32Array, runs);
      reference = t.out;
      result.rows.push({ system: 'onnxruntime-node', compile_ms: compileMs, first_run_ms: t.first, median_ms: t.median, min_ms: t.min, cpu_ms: t.cpu, runs });
      await s.release();
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
      result.skipped.push({ system: 'onnxruntime-node', reason: missing ? 'onnxruntime-node is not installed (npm install onnxruntime-node to compare with it)' : (e as Error).message.split('\n')[0]! });
    }
  }
  const threadCounts = flags.threads.split(',').map((t) => positive(t.trim(), '--threads'));
  for (const backend of flags.backend.split(',').map((b) => b.trim())) {
    if (backend !== 'wasm' && backend !== 'webgpu') throw new Error(`--backend ${backend}: expected wasm or webgpu`);
    for (const threads of backend === 'wasm' ? threadCounts : [1]) {
      const system = backend === 'wasm' ? `axon-wasm-${threads}t` : 'axon-webgpu';
      log(`${system}: compiling ${path}…`);
      try {
        const t0 = performance.now();
        const wasm = backend === 'wasm' ? { relaxedSimd: true, ...(threads > 1 ? { threads } : {}) } : {};
        const session = await createSession(await compile(m.graph, { backend, ...wasm }), threads > 1 ? { threads } : {});
        const compileMs = performance.now() - t0;
        const t = await time(async () => (await session.run(feeds))[output] as Float32Array, runs);
        session.dispose();
        result.rows.push({ system, compile_ms: compileMs, first_run_ms: t.first, median_ms: t.median, min_ms: t.min, cpu_ms: t.cpu, runs, ...(reference ? { max_abs_diff: maxAbsDiff(t.out, reference) } : {}) });
      } catch (e) {
        result.skipped.push({ system, reason: (e as Error).message.split('\n')[0]! });
      }
    }
  }
  return result;
}

export function formatModelBench(r: ModelBenchResult): string {
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const ortRow = r.rows.find((x) => x.system === 'onnxruntime-node');
  const lines = [
    `${r.model}: inputs ${r.inputs.map((i) => `${i.name} [${i.shape.join(', ')}]`).join(', ')}; median of ${r.rows[0]?.runs ?? 0} runs after the first`,
    '',
    `${'system'.padEnd(18)} ${'compile ms'.padStart(10)} ${'first ms'.padStart(9)} ${'median ms'.padStart(10)} ${'min ms'.padStart(8)} ${'CPU ms/run'.padStart(10)}${ortRow ? ` ${'× ort-node'.padStart(10)} ${'max |Δ|'.padStart(9)}` : ''}`,
    ...r.rows.map((x) => `${x.system.padEnd(18)} ${f(x.compile_ms).padStart(10)} ${f(x.first_run_ms).padStart(9)} ${f(x.median_ms).padStart(10)} ${f(x.min_ms).padStart(8)} ${f(x.cpu_ms).padStart(10)}`
      + (ortRow ? ` ${(ortRow.median_ms / x.median_ms).toFixed(2).padStart(10)} ${(x.max_abs_diff === undefined ? '' : x.max_abs_diff.toExponential(1)).padStart(9)}` : '')),
    ...r.skipped.map((s) => `${s.system.padEnd(18)} not run: ${s.reason}`),
  ];
  return lines.join('\n');
}
