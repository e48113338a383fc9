/**
 * Training curves: loss and accuracy per epoch, train vs validation, side by side.
 */
import type { EpochMetrics } from '../../runtime/train/loop.ts';
import { svgToPng, vegaLiteToSvg } from './svg.ts';

export async function trainingCurvesSvg(history: EpochMetrics[], title = 'Training curves'): Promise<string> {
  if (history.length === 0) throw new Error('training curves: no epochs in the history');
  const rows = history.flatMap((m) => [
    { epoch: m.epoch, metric: 'loss', split: 'train', value: m.trainLoss },
    { epoch: m.epoch, metric: 'loss', split: 'validation', value: m.valLoss },
    { epoch: m.epoch, metric: 'accuracy', split: 'train', value: m.trainAccuracy },
    { epoch: m.epoch, metric: 'accuracy', split: 'validation', value: m.valAccuracy },
  ]).filter((r) => Number.isFinite(r.value));
  const panel = (metric: string) => ({
    title: metric,
    width: 320,
    height: 220,
    transform: [{ filter: { field: 'metric', equal: metric } }],
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative' as const, title: metric, scale: { zero: false } },
      color: { field: 'split', type: 'nominal' as const, title: null },
    },
  });
  return vegaLiteToSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: rows },
    hconcat: [panel('loss'), panel('accuracy')],
    config: { font: 'DejaVu Sans' },
  });
}

export async function trainingCurvesPng(history: EpochMetrics[], title?: string): Promise<Uint8Array> {
  return svgToPng(await trainingCurvesSvg(history, title), 2);
}
