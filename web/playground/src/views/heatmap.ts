/** Paints a GRID×GRID field of values in [−1, 1] onto a canvas, optionally with data points on top. */
import { divergingColor, CLASS_COLORS } from './colors.ts';
import { EXTENT, type Points } from '../datasets.ts';

export function paintField(canvas: HTMLCanvasElement, values: ArrayLike<number>, grid: number): void {
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(grid, grid);
  for (let i = 0; i < grid * grid; i++) {
    const [r, g, b] = divergingColor(values[i]!);
    image.data.set([r, g, b, 255], i * 4);
  }
  // draw at grid resolution, then let the browser scale it up smoothly
  const small = new OffscreenCanvas(grid, grid);
  small.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}

export function paintPoints(canvas: HTMLCanvasElement, points: Points, hollow: boolean): void {
  const ctx = canvas.getContext('2d')!;
  const scale = canvas.width / (2 * EXTENT);
  for (let i = 0; i < points.labels.length; i++) {
    const x = (points.xy[2 * i]! + EXTENT) * scale, y = (EXTENT - points.xy[2 * i + 1]!) * scale;
    ctx.beginPath();
    ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
    ctx.fillStyle = CLASS_COLORS[points.labels[i]!]!;
    ctx.strokeStyle = hollow ? '#222' : '#fff';
    ctx.lineWidth = 1;
    if (hollow) ctx.globalAlpha = 0.85;
    ctx.fill();
    ctx.stroke();
    ctx.globalAlpha = 1;
  }
}

/** Decision boundary view: P(class 1) mapped to [−1, 1], training points white-rimmed, test points dark-rimmed. */
export function paintDecision(canvas: HTMLCanvasElement, prob: Float32Array, grid: number, train: Points, test: Points | undefined): void {
  paintField(canvas, Array.from(prob, (p) => 2 * p - 1), grid);
  paintPoints(canvas, train, false);
  if (test) paintPoints(canvas, test, true);
}
