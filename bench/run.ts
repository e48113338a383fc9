/**
 * `npm run bench`: runs the benchmark suite on every available system and prints a table;
 * optionally writes JSON rows and the Markdown report with its chart.
 */
import { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES, filterByPrefix, type BenchCase } from './cases.ts';
import { renderChartSvg } from './chart.ts';
import { discoverSystems, FULL, QUICK, runSuite } from './harness.ts';
import { machineInfo } from './machine.ts';
import { markdownReport } from './report.ts';
import { applyChecksumAgreement, applyRatios } from './stats.ts';
import { formatTable } from './table.ts';
import { hasRandomness } from './workloads.ts';

const program = new Command()
  .name('bench')
  .description('Compare Axon backends with peer libraries on matmul, conv, MLP and CNN cases')
  .option('--case <list>', 'comma-separated case names or prefixes')
  .option('--system <list>', 'comma-separated system names or prefixes')
  .option('--baseline <system>', 'system the ratios are relative to', 'tfjs-wasm')
  .option('--json <file>', 'write one JSON row per case × system')
  // relative to the current directory (npm run bench runs at the repository root): the harness never writes beside itself
  .option('--report <file>', 'Markdown report path (its chart goes beside it)', path.join('bench', 'results', 'REPORT.md'))
  .option('-o, --out <dir>', 'write REPORT.md and its chart into this directory instead of --report')
  .option('--no-report', 'do not write the Markdown report')
  .option('--quick', 'reduced cases and repeats (for CI: under two minutes)')
  .option('--no-pin', 'let the scheduler place single-threaded systems (default: all pinned to the last CPU)')
  .option('--no-pause-idle', 'let idle workers run while another system is timed (to measure what they take: idle CPU %)')
  .option('--list', 'list cases and systems, then exit')
  .parse();

const opts = program.opts<{ case?: string; system?: string; baseline: string; json?: string; report: string | false; out?: string; quick?: boolean; list?: boolean; pauseIdle: boolean; pin: boolean }>();
if (opts.out && opts.report !== false) opts.report = path.join(opts.out, 'REPORT.md');

const allSystems = discoverSystems();
if (opts.list) {
  console.log(`cases:   ${CASES.map((c) => c.name + (c.quick ? '*' : '')).join(', ')}   (* = in --quick)`);
  console.log(`systems: ${allSystems.join(', ')}`);
  process.exit(0);
}

let cases: BenchCase[] = filterByPrefix(CASES, opts.case);
if (opts.quick && !opts.case) cases = cases.filter((c) => c.quick);
let systems = filterByPrefix(allSystems.map((name) => ({ name })), opts.system).map((s) => s.name);
// the old asc code path compiles for seconds per case: full runs only, or when named
if (opts.quick && !opts.system) systems = systems.filter((s) => !s.includes('-asc'));
if (!cases.length) program.error(`no case matches "${opts.case}"; cases: ${CASES.map((c) => c.name).join(', ')}`);
if (!systems.length) program.error(`no system matches "${opts.system}"; systems: ${allSystems.join(', ')}`);

const machine = machineInfo();
const started = Date.now();
console.error(`bench: ${cases.length} case(s) × ${systems.length} system(s) on ${machine.cpu} (${machine.cores} cores)${opts.quick ? ', quick' : ''}`);
// asc + binaryen take minutes to load and compile on a loaded machine: the asc systems get patient timeouts
const patient = systems.some((s) => s.includes('-asc')) ? { requestTimeoutMs: 600_000, prepareTimeoutMs: 600_000 } : {};
const rows = await runSuite({ cases, systems, timing: { ...(opts.quick ? QUICK : FULL), ...patient }, machine, pauseIdle: opts.pauseIdle, ...(opts.pin ? {} : { pinCpu: false as const }), log: (l) => console.error(`  ${l}`) });
applyRatios(rows, opts.baseline);
applyChecksumAgreement(rows, opts.baseline, (name) => !hasRandomness(CASES.find((c) => c.name === name)!.workload));

console.log(formatTable(rows, cases, opts.baseline));
console.error(`bench: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (!rows.some((r) => r.system === opts.baseline && r.status === 'ok')) console.error(`bench: baseline "${opts.baseline}" did not run, so there are no ratios`);
for (const r of rows) if (r.checksum_agrees === false) console.error(`bench: ${r.system} on ${r.case}: checksum ${r.checksum} differs from ${opts.baseline}'s`);

if (opts.json) {
  writeFileSync(opts.json, JSON.stringify(rows, null, 2) + '\n');
  console.error(`bench: wrote ${opts.json}`);
}
if (opts.report) {
  const dir = path.dirname(opts.report);
  mkdirSync(dir, { recursive: true });
  const chartFile = 'chart.svg';
  writeFileSync(path.join(dir, chartFile), await renderChartSvg(rows, opts.baseline));
  const bySystem = new Map(rows.map((r) => [r.system, r]));
  const descriptions = await systemDescriptions(systems);
  writeFileSync(opts.report, markdownReport({
    rows, cases, baseline: opts.baseline, machine, date: new Date().toISOString().slice(0, 16).replace('T', ' '), quick: !!opts.quick, chartFile,
    systems: systems.map((name) => {
      const r = bySystem.get(name);
      return { name, description: descriptions[name], versions: r?.versions, adapter: r?.adapter, notes: r?.notes, status: r?.status === 'unavailable' ? `unavailable: ${r.reason}` : undefined };
    }),
  }));
  console.error(`bench: wrote ${opts.report}`);
}
process.exit(0);

/** Reads each system's one-line description from its file without loading its libraries. */
async function systemDescriptions(names: string[]): Promise<Record<string, string>> {
  const { readFileSync } = await import('node:fs');
  const out: Record<string, string> = {};
  for (const n of names) {
    const src = readFileSync(fileURLToPath(new URL(`./systems/${n}.ts`, import.meta.url)), 'utf8');
    out[n] = /description:\s*'([^']*)'/.exec(src)?.[1] ?? '';
  }
  return out;
}
