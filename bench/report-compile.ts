/**
 * The report's compile-time sections, from the rows of the same run:
 *  - first call per system and case: compile (building/loading the model: Axon's compile() and
 *    session, jax-js's jit wrapper, TF.js's model) plus the first run (jax-js traces and compiles
 *    its kernels there), against jax-js's first call on the wasm device;
 *  - before/after of Axon's WASM code path: `codegen: 'asc'` (AssemblyScript + binaryen per
 *    program, the old path) beside the bytecode backend, compile and run medians.
 * Axon compiles have no disk cache on these paths (the bytecode backend never had one; the asc
 * systems turn it off), so each is a cold compile in a process that has loaded the library (and,
 * for asc, the AssemblyScript compiler: its load is in the system's init, outside the figure).
 */
import type { BenchCase } from './cases.ts';
import type { ResultRow } from './stats.ts';
import { fmt } from './table.ts';

export const FIRST_CALL_REFERENCE = 'jax-wasm';
/** issue 16's target: Axon's cold compile within 2× of jax-js's first call on the MLP cases */
const TARGET = 2;

const firstCall = (r: ResultRow | undefined): number | undefined =>
  r?.compile_ms !== undefined && r.first_run_ms !== undefined ? r.compile_ms + r.first_run_ms : undefined;

/** before (asc) → after (bytecode) system pairs */
const BEFORE_AFTER: [string, string][] = [['axon-wasm-asc', 'axon-wasm'], ['axon-wasm-asc-relaxed', 'axon-wasm-relaxed']];

export function compileTimeSections(rows: ResultRow[], cases: BenchCase[]): string[] {
  const out: string[] = [];
  const row = (c: string, s: string) => rows.find((r) => r.case === c && r.system === s && r.compile_ms !== undefined);
  const timed = cases.filter((c) => rows.some((r) => r.case === c.name && r.compile_ms !== undefined));
  if (!timed.length) return out;

  out.push('## Compile time (first call)', '',
    `First call = compile ms + first run ms: from nothing to the first result in a worker process that has loaded its library. `
    + `"÷ ${FIRST_CALL_REFERENCE}" is the system's first call over ${FIRST_CALL_REFERENCE}'s (jax-js: jit trace + kernel compile + run; below 1 is quicker).`, '');
  const systems = [...new Set(rows.filter((r) => r.compile_ms !== undefined).map((r) => r.system))];
  out.push(`| case | ${systems.join(' | ')} |`, `|---|${systems.map(() => '--:').join('|')}|`);
  for (const c of timed) {
    const ref = firstCall(row(c.name, FIRST_CALL_REFERENCE));
    out.push(`| ${c.name} | ${systems.map((s) => {
      const f = firstCall(row(c.name, s));
      if (f === undefined) return '';
      return ref !== undefined && s !== FIRST_CALL_REFERENCE ? `${fmt(f)} ms (${fmt(f / ref)}×)` : `${fmt(f)} ms`;
    }).join(' | ')} |`);
  }
  out.push('');
  const mlp = timed.filter((c) => c.workload.kind === 'mlp-infer' || c.workload.kind === 'mlp-train');
  const worst = mlp.flatMap((c) => {
    const ref = firstCall(row(c.name, FIRST_CALL_REFERENCE));
    const axon = firstCall(row(c.name, 'axon-wasm'));
    return ref !== undefined && axon !== undefined ? [{ c: c.name, ratio: axon / ref }] : [];
  }).sort((a, b) => b.ratio - a.ratio)[0];
  if (worst) {
    out.push(`Axon (axon-wasm) against jax-js on the MLP cases: at most ${fmt(worst.ratio)}× jax-js's first call (${worst.c}); the target is ≤ ${TARGET}× — ${worst.ratio <= TARGET ? 'met' : 'not met'} in this run.`, '');
  }

  const pairs = BEFORE_AFTER.filter(([b, a]) => rows.some((r) => r.system === b && r.compile_ms !== undefined) && rows.some((r) => r.system === a));
  if (pairs.length) {
    out.push('## Before and after: asc per program vs bytecode on the prebuilt library', '',
      'Same run, same cases. Compile: the old path\'s asc + binaryen compile against the bytecode backend. '
      + 'Speed: the old path\'s median over the new one\'s (above 1: the bytecode module runs faster; within about ±10% is noise on a loaded machine).', '',
      '| case | systems (before → after) | compile ms before | compile ms after | median ms before | median ms after | speed after ÷ before |', '|---|---|--:|--:|--:|--:|--:|');
    for (const c of cases) {
      for (const [b, a] of pairs) {
        const rb = rows.find((r) => r.case === c.name && r.system === b);
        const ra = rows.find((r) => r.case === c.name && r.system === a);
        if (!rb || !ra) continue;
        const speed = rb.status === 'ok' && ra.status === 'ok' ? fmt(rb.median_ms! / ra.median_ms!) : '';
        const med = (r: ResultRow) => (r.status === 'ok' ? fmt(r.median_ms) : r.status);
        out.push(`| ${c.name} | ${b} → ${a} | ${fmt(rb.compile_ms)} | ${fmt(ra.compile_ms)} | ${med(rb)} | ${med(ra)} | ${speed} |`);
      }
    }
    out.push('');
  }
  return out;
}
