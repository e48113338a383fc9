/** The Markdown report (bench/results/REPORT.md) with the chart beside it. */
import type { BenchCase } from './cases.ts';
import { metricOf, type MachineInfo, type ResultRow } from './stats.ts';
import { fmt } from './table.ts';
import { compileTimeSections } from './report-compile.ts';

const UNITS = { gflops: 'GFLOP/s', samples_per_s: 'samples/s', steps_per_s: 'steps/s' } as const;

export interface ReportInput {
  rows: ResultRow[];
  cases: BenchCase[];
  baseline: string;
  machine: MachineInfo;
  /** system name → description and loaded versions/adapter */
  systems: { name: string; description?: string; versions?: Record<string, string>; adapter?: string; notes?: string[]; status?: string }[];
  date: string;
  quick: boolean;
  chartFile?: string;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownReport({ rows, cases, baseline, machine, systems, date, quick, chartFile }: ReportInput): string {
  const out: string[] = [];
  out.push('# Axon backend benchmark', '');
  out.push(`Run ${date}${quick ? ' (quick mode: reduced cases and repeats)' : ''} on ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gb} GiB, ${machine.os}, Node ${machine.node}.`, '');
  out.push('Each figure is the median of timed samples taken after warm-up (min and max alongside); each sample averages enough runs to last a few milliseconds. '
    + 'A run ends only when its results are read back to JS, so GPU work is inside the timing. Systems run in separate processes and take turns sample by sample. '
    + `"× ${baseline}" is ${baseline}'s median time over the system's (above 1 is faster). Compile is building/loading the model; first run is the first execution after it (shader compilation, JIT). `
    + 'CPU ms is the CPU time per run of the system\'s process, all its threads together (above the median ms: several threads were busy; below: it waited, e.g. on a GPU). '
    + 'RSS Δ is the growth of the worker process\'s resident memory over the case (approximate: it includes library caches).', '');
  if (chartFile) out.push(`![Throughput relative to ${baseline}](${chartFile})`, '');

  out.push('## Systems', '', '| system | what | versions | adapter / notes |', '|---|---|---|---|');
  for (const s of systems) {
    const versions = Object.entries(s.versions ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
    out.push(`| ${s.name} | ${cell(s.description ?? '')} | ${cell(versions)} | ${cell([s.adapter, ...(s.notes ?? []), s.status].filter(Boolean).join('; '))} |`);
  }
  out.push('');

  out.push('## Results', '');
  for (const c of cases) {
    out.push(`### ${c.name}`, '', c.description, '', `| system | median ms | min ms | max ms | CPU ms | ${UNITS[c.metric]} | × ${baseline} | compile ms | first run ms | RSS Δ MB |`, '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const r of rows.filter((x) => x.case === c.name)) {
      if (r.status !== 'ok') { out.push(`| ${r.system} | ${r.status}: ${cell(r.reason ?? '')} | | | | | | | | |`); continue; }
      const agree = r.checksum_agrees === false ? ' ⚠ result differs from baseline' : '';
      out.push(`| ${r.system}${agree} | ${fmt(r.median_ms)} | ${fmt(r.min_ms)} | ${fmt(r.max_ms)} | ${fmt(r.cpu_ms)} | ${fmt(metricOf(r))} | ${fmt(r.ratio)} | ${fmt(r.compile_ms)} | ${fmt(r.first_run_ms)} | ${fmt(r.peak_rss_delta_mb, 2)} |`);
    }
    out.push('');
  }
  out.push(...compileTimeSections(rows, cases));
  return out.join('\n');
}
