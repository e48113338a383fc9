/** Train and test loss against training steps, redrawn from the full history each time. */
import { chartFrame } from './chart-frame.ts';

export interface LossPoint {
  step: number;
  train: number;
  test: number;
}

const TRAIN_COLOR = '#0877bd', TEST_COLOR = '#f59322';

export function paintLossChart(canvas: HTMLCanvasElement, history: readonly LossPoint[]): void {
  const finite = history.flatMap((p) => [p.train, p.test]).filter(Number.isFinite);
  const lastStep = Math.max(1, history[history.length - 1]?.step ?? 1);
  const frame = chartFrame(canvas, { empty: history.length < 1, yMax: Math.max(0.05, ...finite) * 1.05, steps: lastStep, yDigits: 2 });
  if (!frame) return;
  const { ctx, w, h, pad } = frame;
  ctx.fillText(`${lastStep} steps`, w - pad.r - 60, h - 4);
  for (const [key, color] of [['train', TRAIN_COLOR], ['test', TEST_COLOR]] as const) {
    frame.line(history.length, (i) => history[i]!.step, (i) => history[i]![key], color);
  }
  ctx.fillStyle = TRAIN_COLOR;
  ctx.fillText('train', pad.l + 6, pad.t + 12);
  ctx.fillStyle = TEST_COLOR;
  ctx.fillText('test', pad.l + 40, pad.t + 12);
}
