/** The char-gpt panel's loss curve: each step's loss (light) and its 20-step running mean (dark). */
import { chartFrame } from '../views/chart-frame.ts';

const RAW = '#9ec3e6', MEAN = '#0877bd';

export function paintGptLoss(canvas: HTMLCanvasElement, losses: readonly number[], reference?: number): void {
  const yMax = Math.max(reference ?? 0, ...losses.filter(Number.isFinite)) * 1.05;
  const frame = chartFrame(canvas, { empty: !losses.length, yMax, steps: Math.max(2, losses.length) - 1, yDigits: 1 });
  if (!frame) return;
  const { ctx, w, h, pad, py } = frame;
  ctx.fillText(`${losses.length} steps`, w - pad.r - 60, h - 4);
  frame.line(losses.length, (i) => i, (i) => losses[i]!, RAW);
  let sum = 0;
  const mean = losses.map((v, i) => { sum += v - (i >= 20 ? losses[i - 20]! : 0); return sum / Math.min(i + 1, 20); });
  frame.line(mean.length, (i) => i, (i) => mean[i]!, MEAN);
  if (reference !== undefined) {
    ctx.beginPath();
    ctx.setLineDash([4, 3]);
    ctx.strokeStyle = '#aaa';
    ctx.moveTo(pad.l, py(reference));
    ctx.lineTo(w - pad.r, py(reference));
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillText(`uniform: ln ${Math.round(Math.exp(reference))}`, pad.l + 6, py(reference) + 12);
  }
  ctx.fillStyle = MEAN;
  ctx.fillText('loss (nats/char), mean of 20 steps', pad.l + 6, h - pad.b - 6);
}
