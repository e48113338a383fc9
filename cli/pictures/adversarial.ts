/**
 * Adversarial example triptych: original image, the perturbation (diverging colours, scaled
 * to its own largest |value|), and the adversarial image, each captioned with the model's
 * prediction. Composed as SVG (tiles embedded as PNG) so captions use real fonts, then
 * rendered to PNG.
 */
import { blit, createRaster, diverging, encodePng, maxAbs, range } from './raster.ts';
import { imageColor, imageShape } from './saliency.ts';
import { escapeXml, pngDataUri, svgToPng } from './svg.ts';

export interface Prediction {
  className: string;
  /** softmax probability in [0, 1], shown as a percentage when given */
  confidence?: number;
}

export interface TriptychInput {
  original: ArrayLike<number>;
  adversarial: ArrayLike<number>;
  /** [H, W], [C, H, W] or [1, C, H, W] */
  shape: readonly number[];
  originalPrediction: Prediction;
  adversarialPrediction: Prediction;
  /** e.g. 'ε = 0.1 (FGSM)' */
  perturbationLabel?: string;
}

export function adversarialTriptychSvg(t: TriptychInput, scale = 6): string {
  const s = imageShape(t.shape);
  const n = s.channels * s.height * s.width;
  if (t.original.length !== n || t.adversarial.length !== n) {
    throw new Error(`adversarial triptych: original (${t.original.length}) and adversarial (${t.adversarial.length}) must have ${n} values for shape [${t.shape.join(', ')}]`);
  }
  const delta = Float32Array.from({ length: n }, (_, i) => t.adversarial[i]! - t.original[i]!);
  const peak = maxAbs(delta) || 1;
  // Original and adversarial share one intensity scale so that the difference is honest.
  const [lo1, hi1] = range(t.original);
  const [lo2, hi2] = range(t.adversarial);
  const bounds: [number, number] = [Math.min(lo1, lo2), Math.max(hi1, hi2)];
  const plane = s.height * s.width;
  // Per pixel, the channel with the largest |δ| keeps its sign.
  const deltaAt = (x: number, y: number) => {
    let best = 0;
    for (let c = 0; c < s.channels; c++) {
      const d = delta[c * plane + y * s.width + x]!;
      if (Math.abs(d) > Math.abs(best)) best = d;
    }
    return best;
  };
  const tile = (color: (x: number, y: number) => [number, number, number]) => {
    const r = createRaster(s.width * scale, s.height * scale);
    blit(r, 0, 0, s.width, s.height, scale, color);
    return pngDataUri(encodePng(r));
  };
  const tiles = [
    { png: tile(imageColor(t.original, s, bounds)), title: 'original', caption: predictionText(t.originalPrediction) },
    { png: tile((x, y) => diverging(deltaAt(x, y) / peak)), title: 'perturbation', caption: t.perturbationLabel ?? `max |δ| = ${peak.toPrecision(3)}` },
    { png: tile(imageColor(t.adversarial, s, bounds)), title: 'adversarial', caption: predictionText(t.adversarialPrediction) },
  ];
  const w = s.width * scale;
  const h = s.height * scale;
  const pad = 16;
  const width = pad + tiles.length * (w + pad);
  const height = h + 70;
  const parts = tiles.map((tl, i) => {
    const x = pad + i * (w + pad);
    return `<text x="${x + w / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(tl.title)}</text>`
      + `<image x="${x}" y="28" width="${w}" height="${h}" href="${tl.png}"/>`
      + `<text x="${x + w / 2}" y="${h + 50}" text-anchor="middle" font-size="13">${escapeXml(tl.caption)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans">`
    + `<rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>`;
}

export function adversarialTriptychPng(t: TriptychInput, scale?: number): Uint8Array {
  return svgToPng(adversarialTriptychSvg(t, scale));
}

function predictionText(p: Prediction): string {
  return p.confidence === undefined ? p.className : `${p.className} (${(p.confidence * 100).toFixed(1)}%)`;
}
