import { describe, expect, it } from 'vitest';
import { CASES, filterByPrefix } from '../../bench/cases.ts';
import { renderChartSvg } from '../../bench/chart.ts';
import { markdownReport } from '../../bench/report.ts';
import { applyChecksumAgreement, applyRatios, plan, summarize, throughput, type MachineInfo, type ResultRow } from '../../bench/stats.ts';
import { formatTable } from '../../bench/table.ts';

const byName = (n: string) => CASES.find((c) => c.name === n)!;
const machine: MachineInfo = { cpu: 'Test CPU', cores: 2, memory_gb: 8, os: 'Linux', node: 'v20' };

function rows(): ResultRow[] {
  const withMetric = (r: ResultRow): ResultRow => (r.status === 'ok' ? { ...r, ...throughput(byName(r.case), r.median_ms!) } : r);
  return ([
    { case: 'matmul-256', system: 'tfjs-wasm', status: 'ok', median_ms: 4, min_ms: 3, max_ms: 9, checksum: 100 },
    { case: 'matmul-256', system: 'fast', status: 'ok', median_ms: 1, min_ms: 1, max_ms: 2, cpu_ms: 1.9, idle_cpu_pct: 0.25, checksum: 100.01 },
    { case: 'matmul-256', system: 'wrong', status: 'ok', median_ms: 2, min_ms: 2, max_ms: 2, checksum: 250 },
    { case: 'cnn-train-b64', system: 'tfjs-wasm', status: 'not supported', reason: 'no Conv2DBackpropFilter kernel' },
    { case: 'cnn-train-b64', system: 'fast', status: 'ok', median_ms: 50, min_ms: 40, max_ms: 60, checksum: 2.3 },
  ] as ResultRow[]).map(withMetric);
}

describe('statistics', () => {
  it('summarizes odd and even sample counts by median, min and max', () => {
    expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5 });
    expect(summarize([4, 1, 3, 10])).toEqual({ median: 3.5, min: 1, max: 10 });
    expect(() => summarize([])).toThrow(/no samples/);
  });

  it('converts a median time into the case metric', () => {
    // 2·256³ flops in 2 ms
    expect(throughput(byName('matmul-256'), 2).gflops).toBeCloseTo((2 * 256 ** 3) / 2e6, 9);
    expect(throughput(byName('mlp-infer-b64'), 4).samples_per_s).toBeCloseTo(16000, 9);
    expect(throughput(byName('mlp-train-b64'), 25).steps_per_s).toBeCloseTo(40, 9);
    expect(throughput(byName('cnn-train-b64'), 100).samples_per_s).toBeCloseTo(640, 9);
  });

  it('gives ratios as baseline median over the system median, only where the baseline ran', () => {
    const r = rows();
    applyRatios(r, 'tfjs-wasm');
    expect(r.map((x) => x.ratio)).toEqual([1, 4, 2, undefined, undefined]);
  });

  it('flags checksums that disagree with the baseline and skips cases with randomness', () => {
    const r = rows();
    applyChecksumAgreement(r, 'tfjs-wasm', (c) => c !== 'cnn-train-b64');
    expect(r.map((x) => x.checksum_agrees)).toEqual([true, true, false, undefined, undefined]);
  });

  it('plans runs per sample and sample counts within the budget', () => {
    const opts = { minSampleMs: 10, budgetMs: 1000, minSamples: 3, maxSamples: 20 };
    expect(plan(0.05, opts)).toEqual({ inner: 200, samples: 20 });
    expect(plan(100, opts)).toEqual({ inner: 1, samples: 10 });
    expect(plan(5000, opts)).toEqual({ inner: 1, samples: 3 });
  });

  it('filters by comma-separated names or prefixes', () => {
    expect(filterByPrefix(CASES, 'matmul-1,mlp-train').map((c) => c.name)).toEqual(['matmul-128', 'matmul-1024', 'mlp-train-b64']);
    expect(filterByPrefix(CASES, undefined)).toHaveLength(CASES.length);
  });
});

describe('outputs', () => {
  const r = rows();
  applyRatios(r, 'tfjs-wasm');
  const cases = [byName('matmul-256'), byName('cnn-train-b64')];

  it('prints a table with throughput, ratio and the reason a case did not run', () => {
    const lines = formatTable(r, cases, 'tfjs-wasm').split('\n');
    expect(lines[0]).toMatch(/^case\s+system\s+status\s+median ms/);
    const fast = lines.find((l) => l.startsWith('matmul-256') && l.includes(' fast '))!;
    expect(fast).toContain('33.6 GFLOP/s');
    expect(fast).toMatch(/\s4\.00(\s|$)/);
    // CPU ms per run and the CPU taken while other systems were timed
    expect(fast).toMatch(/\s2\.00\s+1\.90\s+0\.3\s+33\.6 GFLOP/);
    expect(lines.find((l) => l.includes('not supported'))).toContain('no Conv2DBackpropFilter kernel');
  });

  it('writes a Markdown report with one section per case and the chart link', () => {
    const md = markdownReport({ rows: r, cases, baseline: 'tfjs-wasm', machine, systems: [{ name: 'fast', description: 'a fast system', versions: { lib: '1.2.3' } }], date: '2026-01-01 00:00', quick: false, chartFile: 'chart.svg' });
    expect(md).toContain('on Test CPU, 2 cores');
    expect(md).toContain('![Throughput relative to tfjs-wasm](chart.svg)');
    expect(md).toContain('| fast | a fast system | lib 1.2.3 |');
    expect(md).toContain('### matmul-256');
    expect(md).toContain('| fast | 1.00 | 1.00 | 2.00 | 1.90 | 33.6 | 4.00 |');
    expect(md).toContain('| tfjs-wasm | not supported: no Conv2DBackpropFilter kernel |');
  });

  it('renders the ratio chart as SVG with one bar per ok row that has a ratio', async () => {
    const svg = await renderChartSvg(r, 'tfjs-wasm');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Throughput relative to tfjs-wasm');
    // three matmul-256 rows have ratios; bars are paths with the mark's role
    expect(svg.match(/role-mark mark-rect|aria-roledescription="bar"/g)?.length).toBe(3);
  });
});
