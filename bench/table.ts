/** The terminal table: one line per case × system, grouped by case. */
import type { BenchCase } from './cases.ts';
import { metricOf, type ResultRow } from './stats.ts';

const UNITS = { gflops: 'GFLOP/s', samples_per_s: 'samples/s', steps_per_s: 'steps/s' } as const;

export function fmt(x: number | undefined, digits = 3): string {
  if (x === undefined || !Number.isFinite(x)) return '';
  if (x === 0) return '0';
  const mag = Math.floor(Math.log10(Math.abs(x)));
  return x.toFixed(Math.max(0, Math.min(6, digits - 1 - mag)));
}

export function formatTable(rows: ResultRow[], cases: BenchCase[], baseline: string): string {
  const header = ['case', 'system', 'status', 'median ms', 'min ms', 'max ms', 'CPU ms', 'idle CPU %', 'throughput', `× ${baseline}`, 'compile ms', 'first run ms', 'RSS Δ MB', 'reason'];
  const lines: string[][] = [header];
  for (const c of cases) {
    for (const r of rows.filter((x) => x.case === c.name)) {
      const ok = r.status === 'ok';
      lines.push([
        r.case, r.system, r.status,
        fmt(r.median_ms), fmt(r.min_ms), fmt(r.max_ms), fmt(r.cpu_ms), r.idle_cpu_pct === undefined ? '' : r.idle_cpu_pct.toFixed(1),
        ok ? `${fmt(metricOf(r))} ${UNITS[c.metric]}` : '', fmt(r.ratio), fmt(r.compile_ms), fmt(r.first_run_ms), fmt(r.peak_rss_delta_mb, 2),
        ok ? '' : (r.reason ?? '').slice(0, 120),
      ]);
    }
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const numeric = new Set([3, 4, 5, 6, 7, 9, 10, 11, 12]);
  return lines
    .map((l, li) => l.map((cell, i) => (numeric.has(i) && li > 0 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd())
    .flatMap((line, li) => (li === 0 ? [line, '-'.repeat(line.length)] : [line]))
    .join('\n');
}
