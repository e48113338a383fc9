/**
 * Conv filter grid: one row per output filter, one tile per input channel, each tile KH×KW
 * cells upscaled. Colours are diverging (blue negative, red positive), scaled per filter by
 * its largest |weight|, so every filter's pattern is visible whatever its norm.
 */
import { blit, createRaster, diverging, encodePng, maxAbs } from './raster.ts';

export interface FilterGridOptions {
  /** pixels per weight (default 8) */
  scale?: number;
  /** pixels between tiles (default 2) */
  gap?: number;
  /** tiles per row when the filters have one input channel (default 8); otherwise one row per filter */
  columns?: number;
}

export function filterGridPng(weights: ArrayLike<number>, shape: readonly number[], options: FilterGridOptions = {}): Uint8Array {
  if (shape.length !== 4) throw new Error(`filter grid: expected weights of shape [O, C, KH, KW], got [${shape.join(', ')}]`);
  const [O, C, KH, KW] = shape as [number, number, number, number];
  if (weights.length !== O * C * KH * KW) throw new Error(`filter grid: ${weights.length} weights do not fit shape [${shape.join(', ')}]`);
  const scale = options.scale ?? 8;
  const gap = options.gap ?? 2;
  const cols = C === 1 ? Math.min(options.columns ?? 8, O) : C;
  const rows = C === 1 ? Math.ceil(O / cols) : O;
  const tileW = KW * scale;
  const tileH = KH * scale;
  const r = createRaster(gap + cols * (tileW + gap), gap + rows * (tileH + gap), [128, 128, 128]);
  const filterSize = C * KH * KW;
  for (let o = 0; o < O; o++) {
    const norm = maxAbs(weights, o * filterSize, (o + 1) * filterSize) || 1;
    for (let c = 0; c < C; c++) {
      const tile = C === 1 ? o : o * C + c;
      const x0 = gap + (tile % cols) * (tileW + gap);
      const y0 = gap + Math.floor(tile / cols) * (tileH + gap);
      const base = o * filterSize + c * KH * KW;
      blit(r, x0, y0, KW, KH, scale, (x, y) => diverging(weights[base + y * KW + x]! / norm));
    }
  }
  return encodePng(r);
}
