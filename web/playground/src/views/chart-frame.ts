/**
 * The frame both loss charts draw in: cleared canvas, plot box, y axis from 0 to `yMax`, x axis
 * over `steps`, and the "press ▶" hint while there is nothing to plot yet.
 */
export interface ChartFrame {
  ctx: CanvasRenderingContext2D;
  w: number;
  h: number;
  pad: { l: number; r: number; t: number; b: number };
  /** canvas x of step (or index) `s` */
  px: (s: number) => number;
  /** canvas y of value `v` (clamped to the top) */
  py: (v: number) => number;
  /** strokes one polyline through (x(i), y(i)) for i in [0, count) */
  line: (count: number, x: (i: number) => number, y: (i: number) => number, color: string) => void;
}

/** Draws the frame; null (after drawing the hint) when `empty`. `yDigits`: decimals of the y label. */
export function chartFrame(canvas: HTMLCanvasElement, o: { empty: boolean; yMax: number; steps: number; yDigits: number }): ChartFrame | null {
  const ctx = canvas.getContext('2d')!;
  const w = canvas.width, h = canvas.height, pad = { l: 36, r: 8, t: 8, b: 18 };
  ctx.clearRect(0, 0, w, h);
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillStyle = '#666';
  ctx.strokeStyle = '#ccc';
  ctx.strokeRect(pad.l, pad.t, w - pad.l - pad.r, h - pad.t - pad.b);
  if (o.empty) {
    ctx.fillText('press ▶ to train', pad.l + 8, pad.t + 16);
    return null;
  }
  const px = (s: number) => pad.l + ((w - pad.l - pad.r) * s) / o.steps;
  const py = (v: number) => pad.t + (h - pad.t - pad.b) * (1 - Math.min(v, o.yMax) / o.yMax);
  ctx.fillText(o.yMax.toFixed(o.yDigits), 2, pad.t + 8);
  ctx.fillText('0', pad.l - 10, h - pad.b);
  const line = (count: number, x: (i: number) => number, y: (i: number) => number, color: string) => {
    ctx.beginPath();
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    for (let i = 0; i < count; i++) (i ? ctx.lineTo(px(x(i)), py(y(i))) : ctx.moveTo(px(x(i)), py(y(i))));
    ctx.stroke();
  };
  return { ctx, w, h, pad, px, py, line };
}
