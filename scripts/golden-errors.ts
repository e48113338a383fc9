/**
 * Measures, per op, the worst error of Axon against the PyTorch goldens on the reference
 * interpreter and on each backend (the numbers behind the tolerances the tests use).
 * Run: npx tsx scripts/golden-errors.ts [wasm,webgpu] [family,family…]
 */
import { evaluate } from '../compiler/index.ts';
import { listGoldenFamilies, loadGoldens } from '../test/goldens/load.ts';
import { familyGraph } from '../test/ops/cases.ts';
import { sessionFor, type BackendName } from '../test/ops/backends.ts';

const backends = (process.argv[2] ?? 'wasm,webgpu').split(',') as BackendName[];
type Worst = { abs: number; rel: number };
const table = new Map<string, Record<string, Worst>>();

function note(op: string, system: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  const row = table.get(op) ?? {};
  const w = row[system] ?? { abs: 0, rel: 0 };
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    w.abs = Math.max(w.abs, d);
    w.rel = Math.max(w.rel, d / Math.max(1e-3, Math.abs(want[i]!)));
  }
  row[system] = w;
  table.set(op, row);
}

const only = process.argv[3]?.split(',');
for (const family of listGoldenFamilies().filter((f) => f !== 'optim' && (!only || only.includes(f)))) {
  const cases = loadGoldens(family);
  const opOf = new Map(cases.map((c) => [c.id, c.op]));
  const { graph, feeds, expected } = familyGraph(family, cases);
  const ref = evaluate(graph, feeds).outputs;
  for (const e of expected) note(opOf.get(e.caseId)!, 'reference', ref[e.name]!, e.want);
  for (const b of backends) {
    const s = await sessionFor(graph, b);
    if (!s) continue;
    const got = await s.run(feeds);
    s.dispose();
    for (const e of expected) note(opOf.get(e.caseId)!, b, got[e.name]!, e.want);
  }
}
const fmt = (w?: Worst) => (w ? `${w.abs.toExponential(1)} / ${w.rel.toExponential(1)}` : '—');
console.log(`| op | reference (abs / rel) | ${backends.map((b) => `${b} (abs / rel)`).join(' | ')} |`);
console.log(`|---|---|${backends.map(() => '---|').join('')}`);
for (const [op, row] of table) console.log(`| ${op} | ${fmt(row.reference)} | ${backends.map((b) => fmt(row[b])).join(' | ')} |`);
process.exit(0);
