/**
 * Saliency map: the input image, |∂score/∂input| (max over channels) as a heat map, and the
 * heat map blended over the image, side by side.
 */
import { blit, createRaster, encodePng, gray, heat, range, type Rgb } from './raster.ts';

export interface ImageShape {
  channels: number;
  height: number;
  width: number;
}

/** Parses [H, W], [C, H, W] or [1, C, H, W] into an image shape. */
export function imageShape(shape: readonly number[]): ImageShape {
  const s = shape.length === 4 && shape[0] === 1 ? shape.slice(1) : shape;
  if (s.length === 2) return { channels: 1, height: s[0]!, width: s[1]! };
  if (s.length === 3 && (s[0] === 1 || s[0] === 3)) return { channels: s[0]!, height: s[1]!, width: s[2]! };
  throw new Error(`expected an image of shape [H, W], [C, H, W] or [1, C, H, W] with C = 1 or 3, got [${shape.join(', ')}]`);
}

/** Pixel colour of an image normalized to `bounds` (default: its own min..max). */
export function imageColor(data: ArrayLike<number>, s: ImageShape, bounds: [number, number] = range(data)): (x: number, y: number) => Rgb {
  const [lo, hi] = bounds;
  const span = hi - lo || 1;
  const plane = s.height * s.width;
  return (x, y) => {
    const i = y * s.width + x;
    if (s.channels === 1) return gray((data[i]! - lo) / span);
    return [0, 1, 2].map((c) => Math.round(((data[c * plane + i]! - lo) / span) * 255)) as Rgb;
  };
}

export function saliencyPng(image: ArrayLike<number>, gradient: ArrayLike<number>, shape: readonly number[], scale = 8): Uint8Array {
  const s = imageShape(shape);
  const n = s.channels * s.height * s.width;
  if (image.length !== n || gradient.length !== n) {
    throw new Error(`saliency: image (${image.length}) and gradient (${gradient.length}) must both have ${n} values for shape [${shape.join(', ')}]`);
  }
  const plane = s.height * s.width;
  const magnitude = new Float32Array(plane);
  for (let c = 0; c < s.channels; c++) for (let i = 0; i < plane; i++) magnitude[i] = Math.max(magnitude[i]!, Math.abs(gradient[c * plane + i]!));
  const peak = range(magnitude)[1] || 1;
  const imgColor = imageColor(image, s);
  const heatColor = (x: number, y: number) => heat(magnitude[y * s.width + x]! / peak);
  const gap = 4;
  const w = s.width * scale;
  const r = createRaster(w * 3 + gap * 4, s.height * scale + gap * 2);
  blit(r, gap, gap, s.width, s.height, scale, imgColor);
  blit(r, gap * 2 + w, gap, s.width, s.height, scale, heatColor);
  blit(r, gap * 3 + w * 2, gap, s.width, s.height, scale, (x, y) => {
    const a = imgColor(x, y);
    const b = heatColor(x, y);
    const t = 0.6 * (magnitude[y * s.width + x]! / peak);
    return [0, 1, 2].map((i) => Math.round(a[i]! * (1 - t) + b[i]! * t)) as Rgb;
  });
  return encodePng(r);
}
