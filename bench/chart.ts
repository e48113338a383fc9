/**
 * The report's bar chart: throughput relative to the baseline, per case and system, drawn with
 * vega-lite and rendered to SVG headless (no browser, no canvas).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ResultRow } from './stats.ts';

export function chartSpec(rows: ResultRow[], baseline: string): TopLevelSpec {
  const values = rows.filter((r) => r.status === 'ok' && r.ratio !== undefined).map((r) => ({ case: r.case, system: r.system, ratio: r.ratio }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Throughput relative to ${baseline} (higher is faster, log scale)`,
    data: { values },
    mark: 'bar',
    encoding: {
      row: { field: 'case', type: 'nominal', sort: null, header: { labelAngle: 0, labelAlign: 'left' }, title: null },
      y: { field: 'system', type: 'nominal', title: null },
      x: { field: 'ratio', type: 'quantitative', scale: { type: 'log' }, title: `× ${baseline}` },
      color: { field: 'system', type: 'nominal', legend: null },
      tooltip: [{ field: 'ratio', format: '.2f' }],
    },
    config: { view: { stroke: null }, axis: { labelFontSize: 10 } },
  } as TopLevelSpec;
}

export async function renderChartSvg(rows: ResultRow[], baseline: string): Promise<string> {
  const view = new vega.View(vega.parse(compile(chartSpec(rows, baseline)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
