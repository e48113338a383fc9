/** Train and test loss against training steps, redrawn from the full history each time. */
export interface LossPoint {
  step: number;
  train: number;
  test: number;
}

const TRAIN_COLOR = '#0877bd', TEST_COLOR = '#f59322';

export function paintLossChart(canvas: HTMLCanvasElement, history: readonly LossPoint[]): void {
  const ctx = canvas.getContext('2d')!;
  const w = canvas.width, h = canvas.height, pad = { l: 36, r: 8, t: 8, b: 18 };
  ctx.clearRect(0, 0, w, h);
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillStyle = '#666';
  ctx.strokeStyle = '#ccc';
  ctx.strokeRect(pad.l, pad.t, w - pad.l - pad.r, h - pad.t - pad.b);
  if (history.length < 1) {
    ctx.fillText('press ▶ to train', pad.l + 8, pad.t + 16);
    return;
  }
  const finite = history.flatMap((p) => [p.train, p.test]).filter(Number.isFinite);
  const yMax = Math.max(0.05, ...finite) * 1.05;
  const lastStep = Math.max(1, history[history.length - 1]!.step);
  const px = (s: number) => pad.l + ((w - pad.l - pad.r) * s) / lastStep;
  const py = (v: number) => pad.t + (h - pad.t - pad.b) * (1 - Math.min(v, yMax) / yMax);
  ctx.fillText(yMax.toFixed(2), 2, pad.t + 8);
  ctx.fillText('0', pad.l - 10, h - pad.b);
  ctx.fillText(`${lastStep} steps`, w - pad.r - 60, h - 4);
  for (const [key, color] of [['train', TRAIN_COLOR], ['test', TEST_COLOR]] as const) {
    ctx.beginPath();
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    history.forEach((p, i) => (i ? ctx.lineTo(px(p.step), py(p[key])) : ctx.moveTo(px(p.step), py(p[key]))));
    ctx.stroke();
  }
  ctx.fillStyle = TRAIN_COLOR;
  ctx.fillText('train', pad.l + 6, pad.t + 12);
  ctx.fillStyle = TEST_COLOR;
  ctx.fillText('test', pad.l + 40, pad.t + 12);
}
