/**
 * The differential fuzz check: random graphs (generate.ts) through the reference interpreter,
 * canonicalization, the fused and planned kernel program, and both backends, each compared with
 * the independent float64 oracle (oracle.ts). Shared by the test suite (a fixed seed range) and
 * `npm run fuzz` (scripts/fuzz.ts, a longer sweep).
 */
import { Graph, evaluate } from '../../compiler/index.ts';
import { canonicalize } from '../../compiler/passes/optimize.ts';
import { compileProgram } from '../../compiler/compile.ts';
import { allocateMemory, runProgram } from '../../compiler/kernel/interpret.ts';
import { liveNodes } from '../../compiler/kernel/lower.ts';
import { sessionFor, TOL, type BackendName } from '../ops/backends.ts';
import { fuzzGraph, type FuzzGraph } from './generate.ts';
import { oracle } from './oracle.ts';
import { checkPlan } from './plan-check.ts';

export interface Failure {
  seed: number;
  /** where it went wrong: "evaluate", "canonical", "fused", "plan", "wasm", "webgpu" */
  stage: string;
  message: string;
}

type Values = Record<string, ArrayLike<number>>;

/** Compares every named array of `want` with `got`; the absolute tolerance scales with the array's magnitude. */
export function compare(got: Values, want: Values, atol: number, rtol: number, names: readonly string[] = Object.keys(want)): string | null {
  for (const name of names) {
    const g = got[name], w = want[name]!;
    if (!g) return `${name}: missing`;
    if (g.length !== w.length) return `${name}: ${g.length} values, want ${w.length}`;
    let scale = 1;
    for (let i = 0; i < w.length; i++) if (Number.isFinite(w[i]!)) scale = Math.max(scale, Math.abs(w[i]!));
    for (let i = 0; i < w.length; i++) {
      const a = g[i]!, b = w[i]!;
      if (a === b) continue;
      if (!(Math.abs(a - b) <= atol * scale + rtol * Math.abs(b))) return `${name}[${i}]: got ${a}, want ${b}`;
    }
  }
  return null;
}

const joined = (r: { outputs: Values; updates: Values }): Values => ({ ...r.outputs, ...r.updates });

function fusedRun(graph: Graph, feeds: Values): Values {
  const { program } = compileProgram(graph);
  const mem = allocateMemory(program);
  for (const i of program.inputs) mem.get(i.buffer)!.set(feeds[i.name]!);
  runProgram(program, mem);
  const out: Values = {};
  for (const o of [...program.outputs, ...program.params, ...program.state]) out[o.name] = mem.get(o.buffer)!;
  return out;
}

/** updated params/state (by name) plus outputs: the names a run must get right */
function checkedNames(graph: Graph): string[] {
  return [...graph.outputs.keys(), ...[...graph.updates.keys()].map((t) => t.name!)];
}

/** The interpreter-level checks of one graph (float64 throughout, so tolerances are tight). */
export function checkInterpreters(seed: number, fg: FuzzGraph = fuzzGraph(seed)): Failure[] {
  const failures: Failure[] = [];
  const stage = (name: string, run: () => string | null) => {
    try {
      const m = run();
      if (m) failures.push({ seed, stage: name, message: m });
    } catch (e) {
      failures.push({ seed, stage: name, message: `threw: ${(e as Error).message}` });
    }
  };
  const { graph, feeds } = fg;
  const want = joined(oracle(graph, feeds));
  const names = checkedNames(graph);
  stage('evaluate', () => compare(joined(evaluate(graph, feeds)), want, 1e-9, 1e-7, names));
  // folded constants are stored as f32, so canonical graphs may differ by f32 rounding
  stage('canonical', () => compare(joined(evaluate(canonicalize(graph).graph, feeds)), want, 1e-7, 2e-6, names));
  stage('fused', () => compare(fusedRun(graph, feeds), want, 1e-7, 2e-6, names));
  stage('plan', () => checkPlan(compileProgram(graph).program));
  return failures;
}

/**
 * Runs `seeds` as one artifact on `backend` (graphs are independent, their names prefixed by
 * seed); returns the failures, or undefined when the backend is unavailable. A graph that makes
 * the whole artifact fail to compile is found by compiling the graphs one at a time.
 */
export async function checkBackend(seeds: readonly number[], backend: BackendName): Promise<Failure[] | undefined> {
  const g = new Graph('fuzz_batch');
  const feeds: Record<string, Float32Array> = {};
  for (const seed of seeds) Object.assign(feeds, fuzzGraph(seed, { prefix: `g${seed}/`, into: g }).feeds);
  let got: Values;
  try {
    const s = await sessionFor(g, backend);
    if (!s) return undefined;
    try {
      got = { ...(await s.run(feeds)), ...(await s.getParams(true)) };
    } finally {
      s.dispose();
    }
  } catch (e) {
    if (seeds.length === 1) return [{ seed: seeds[0]!, stage: backend, message: `threw: ${(e as Error).message}` }];
    const all: Failure[] = [];
    for (const seed of seeds) all.push(...((await checkBackend([seed], backend)) ?? []));
    return all;
  }
  const want = joined(oracle(g, feeds));
  const { atol, rtol } = TOL[backend];
  const failures: Failure[] = [];
  for (const seed of seeds) {
    const names = checkedNames(g).filter((n) => n.startsWith(`g${seed}/`));
    const m = compare(got, want, atol, rtol, names);
    if (m) failures.push({ seed, stage: backend, message: m });
  }
  return failures;
}

/** A short listing of the live graph: one line per node, `%id = op(%in, …) attrs : shape`. */
export function describeGraph(graph: Graph): string {
  const outs = new Map<unknown, string[]>();
  for (const [name, t] of graph.outputs) outs.set(t, [...(outs.get(t) ?? []), `→ ${name}`]);
  for (const [target, t] of graph.updates) outs.set(t, [...(outs.get(t) ?? []), `→ update ${target.name}`]);
  return liveNodes(graph).map((n) => {
    const head = n.isLeaf() ? `${n.op}${n.name ? ` "${n.name}"` : ''}${n.op === 'const' && n.size === 1 ? ` ${n.value![0]}` : ''}`
      : `${n.op}(${n.inputs.map((i) => `%${i.id}`).join(', ')})${Object.keys(n.attrs).length ? ` ${JSON.stringify(n.attrs)}` : ''}`;
    return `  %${n.id} = ${head} : [${n.shape.join(', ')}]${n.dtype === 'i32' ? ' i32' : ''} ${(outs.get(n) ?? []).join(' ')}`.trimEnd();
  }).join('\n');
}
