/**
 * Pure statistics over timings: summaries, throughput, ratios to a baseline, and checksum
 * agreement. No I/O, so the unit test can drive it with synthetic numbers.
 */
import type { BenchCase, Metric } from './cases.ts';

export type Status = 'ok' | 'not supported' | 'too slow' | 'failed' | 'unavailable';

export interface ResultRow {
  case: string;
  system: string;
  status: Status;
  /** why the case did not run (status other than ok) */
  reason?: string;
  median_ms?: number;
  min_ms?: number;
  max_ms?: number;
  /** CPU milliseconds per run of the worker process (all its threads: pools, GPU driver), median over samples */
  cpu_ms?: number;
  /**
   * CPU the worker used while other systems' samples were timed, as a percentage of that time
   * (Linux only): what an idle system took from the one being measured. Near 0 when idle
   * workers are paused (the default); see the harness.
   */
  idle_cpu_pct?: number;
  gflops?: number;
  samples_per_s?: number;
  steps_per_s?: number;
  /** baseline median ÷ this median: above 1 is faster than the baseline */
  ratio?: number;
  compile_ms?: number;
  first_run_ms?: number;
  peak_rss_delta_mb?: number;
  /** timed samples, and runs averaged inside each sample */
  samples?: number;
  runs_per_sample?: number;
  checksum?: number;
  /** checksum within tolerance of the baseline's (absent when not comparable) */
  checksum_agrees?: boolean;
  versions?: Record<string, string>;
  adapter?: string;
  notes?: string[];
  machine?: MachineInfo;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memory_gb: number;
  os: string;
  node: string;
}

export interface Summary { median: number; min: number; max: number }

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error('summarize: no samples');
  const s = [...samples].sort((a, b) => a - b);
  const m = s.length >> 1;
  return { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, min: s[0], max: s[s.length - 1] };
}

/** The case's figure of merit at a given time per run. */
export function throughput(c: BenchCase, ms: number): Partial<Record<Metric, number>> {
  const perSecond = 1000 / ms;
  switch (c.metric) {
    case 'gflops': return { gflops: (c.flops! / 1e9) * perSecond };
    case 'samples_per_s': return { samples_per_s: c.samples! * perSecond };
    case 'steps_per_s': return { steps_per_s: perSecond };
  }
}

export const metricOf = (row: ResultRow): number | undefined => row.gflops ?? row.samples_per_s ?? row.steps_per_s;

/**
 * Fills `ratio` for every ok row: the baseline system's median over the row's median, per case.
 * Rows of a case whose baseline did not run get no ratio.
 */
export function applyRatios(rows: ResultRow[], baseline: string): void {
  const base = new Map(rows.filter((r) => r.system === baseline && r.status === 'ok').map((r) => [r.case, r.median_ms!]));
  for (const r of rows) {
    const b = base.get(r.case);
    if (r.status === 'ok' && b !== undefined) r.ratio = b / r.median_ms!;
  }
}

/**
 * Marks whether each ok row's checksum matches the baseline's within a relative tolerance
 * (f32 sums in different orders differ slightly). Cases with randomness are skipped.
 */
export function applyChecksumAgreement(rows: ResultRow[], baseline: string, comparable: (caseName: string) => boolean, relTol = 1e-3): void {
  const base = new Map(rows.filter((r) => r.system === baseline && r.status === 'ok' && r.checksum !== undefined).map((r) => [r.case, r.checksum!]));
  for (const r of rows) {
    const b = base.get(r.case);
    if (r.status !== 'ok' || b === undefined || r.checksum === undefined || !comparable(r.case)) continue;
    r.checksum_agrees = Math.abs(r.checksum - b) <= relTol * Math.max(1, Math.abs(b));
  }
}

/**
 * How many runs to average per timed sample and how many samples to take, so that tiny cases
 * are not dominated by timer resolution and slow ones stay within the time budget.
 */
export function plan(estimateMs: number, opts: { minSampleMs: number; budgetMs: number; minSamples: number; maxSamples: number }) {
  const est = Math.max(estimateMs, 1e-3);
  const inner = Math.max(1, Math.ceil(opts.minSampleMs / est));
  const samples = Math.min(opts.maxSamples, Math.max(opts.minSamples, Math.floor(opts.budgetMs / (est * inner))));
  return { inner, samples };
}
