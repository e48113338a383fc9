/**
 * Confusion matrix heat map: rows are true classes, columns predictions, each cell labelled
 * with its count.
 */
import { svgToPng, vegaLiteToSvg } from './svg.ts';

export async function confusionMatrixSvg(matrix: ArrayLike<number>, classNames: string[], title = 'Confusion matrix'): Promise<string> {
  const k = classNames.length;
  if (matrix.length !== k * k) throw new Error(`confusion matrix: ${matrix.length} cells for ${k} class names (expected ${k * k})`);
  const cells = [];
  for (let t = 0; t < k; t++) for (let p = 0; p < k; p++) cells.push({ truth: classNames[t], predicted: classNames[p], count: matrix[t * k + p]! });
  const max = Math.max(1, ...cells.map((c) => c.count));
  const axis = { field: '', type: 'nominal' as const, sort: classNames };
  return vegaLiteToSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: cells },
    width: 36 * k,
    height: 36 * k,
    encoding: {
      x: { ...axis, field: 'predicted', title: 'predicted', axis: { labelAngle: -45 } },
      y: { ...axis, field: 'truth', title: 'true class' },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' }, legend: null } } },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: `datum.count > ${max / 2}`, value: 'white' }, value: 'black' },
        },
      },
    ],
    config: { font: 'DejaVu Sans' },
  });
}

export async function confusionMatrixPng(matrix: ArrayLike<number>, classNames: string[], title?: string): Promise<Uint8Array> {
  return svgToPng(await confusionMatrixSvg(matrix, classNames, title), 2);
}
