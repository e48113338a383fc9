/**
 * RGBA rasters and PNG encoding (pngjs), plus the colour maps the pictures share.
 */
import { PNG } from 'pngjs';

export interface Raster {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row-major */
  rgba: Uint8Array;
}

export type Rgb = [number, number, number];

export function createRaster(width: number, height: number, background: Rgb = [255, 255, 255]): Raster {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([...background, 255], i * 4);
  return { width, height, rgba };
}

export function setPixel(r: Raster, x: number, y: number, c: Rgb): void {
  const i = (y * r.width + x) * 4;
  r.rgba[i] = c[0];
  r.rgba[i + 1] = c[1];
  r.rgba[i + 2] = c[2];
  r.rgba[i + 3] = 255;
}

/** Paints an h×w grid of colours at (x0, y0), each cell `scale`×`scale` pixels (nearest neighbour). */
export function blit(r: Raster, x0: number, y0: number, w: number, h: number, scale: number, color: (x: number, y: number) => Rgb): void {
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const c = color(x, y);
    for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) setPixel(r, x0 + x * scale + dx, y0 + y * scale + dy, c);
  }
}

export function encodePng(r: Raster): Uint8Array {
  const png = new PNG({ width: r.width, height: r.height });
  png.data = Buffer.from(r.rgba.buffer, r.rgba.byteOffset, r.rgba.byteLength);
  return new Uint8Array(PNG.sync.write(png));
}

const clamp01 = (t: number) => (t < 0 ? 0 : t > 1 ? 1 : Number.isFinite(t) ? t : 0);
const mix = (a: Rgb, b: Rgb, t: number): Rgb => [0, 1, 2].map((i) => Math.round(a[i]! + (b[i]! - a[i]!) * t)) as Rgb;

/** t in [0, 1] → black..white */
export function gray(t: number): Rgb {
  const v = Math.round(clamp01(t) * 255);
  return [v, v, v];
}

/** t in [-1, 1] → blue (negative) .. white (0) .. red (positive): weights and perturbations */
export function diverging(t: number): Rgb {
  const c = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  return c < 0 ? mix([255, 255, 255], [33, 102, 172], -c) : mix([255, 255, 255], [178, 24, 43], c);
}

/** t in [0, 1] → black .. red .. yellow .. white: saliency magnitude */
export function heat(t: number): Rgb {
  const c = clamp01(t);
  if (c < 1 / 3) return mix([0, 0, 0], [200, 30, 0], c * 3);
  if (c < 2 / 3) return mix([200, 30, 0], [255, 200, 0], c * 3 - 1);
  return mix([255, 200, 0], [255, 255, 255], c * 3 - 2);
}

/** min and max of the finite values */
export function range(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}

export function maxAbs(values: ArrayLike<number>, start = 0, end = values.length): number {
  let m = 0;
  for (let i = start; i < end; i++) if (Math.abs(values[i]!) > m && Number.isFinite(values[i]!)) m = Math.abs(values[i]!);
  return m;
}
