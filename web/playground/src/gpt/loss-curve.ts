/** The char-gpt panel's loss curve: each step's loss (light) and its 20-step running mean (dark). */
const RAW = '#9ec3e6', MEAN = '#0877bd';

export function paintGptLoss(canvas: HTMLCanvasElement, losses: readonly number[], reference?: number): void {
  const ctx = canvas.getContext('2d')!;
  const w = canvas.width, h = canvas.height, pad = { l: 36, r: 8, t: 8, b: 18 };
  ctx.clearRect(0, 0, w, h);
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillStyle = '#666';
  ctx.strokeStyle = '#ccc';
  ctx.strokeRect(pad.l, pad.t, w - pad.l - pad.r, h - pad.t - pad.b);
  if (!losses.length) {
    ctx.fillText('press ▶ to train', pad.l + 8, pad.t + 16);
    return;
  }
  const yMax = Math.max(reference ?? 0, ...losses.filter(Number.isFinite)) * 1.05;
  const n = Math.max(2, losses.length);
  const px = (i: number) => pad.l + ((w - pad.l - pad.r) * i) / (n - 1);
  const py = (v: number) => pad.t + (h - pad.t - pad.b) * (1 - Math.min(v, yMax) / yMax);
  ctx.fillText(yMax.toFixed(1), 2, pad.t + 8);
  ctx.fillText('0', pad.l - 10, h - pad.b);
  ctx.fillText(`${losses.length} steps`, w - pad.r - 60, h - 4);
  const line = (values: readonly number[], color: string) => {
    ctx.beginPath();
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    values.forEach((v, i) => (i ? ctx.lineTo(px(i), py(v)) : ctx.moveTo(px(i), py(v))));
    ctx.stroke();
  };
  line(losses, RAW);
  let sum = 0;
  line(losses.map((v, i) => { sum += v - (i >= 20 ? losses[i - 20]! : 0); return sum / Math.min(i + 1, 20); }), MEAN);
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
