/**
 * Several pictures of one kind stacked into one PNG, each row with a caption: saliency maps and
 * adversarial triptychs of the first few test images. Rows are nested SVGs, rendered by resvg.
 */
import { PNG } from 'pngjs';
import { saliencyPng } from './saliency.ts';
import { adversarialTriptychSvg, type TriptychInput } from './adversarial.ts';
import { escapeXml, pngDataUri, svgToPng } from './svg.ts';

export interface SaliencyRow {
  image: ArrayLike<number>;
  gradient: ArrayLike<number>;
  /** e.g. 'true: Coat, predicted: Coat (97.1%)' */
  caption: string;
}

/** Rows of [image | |∂score/∂x| | overlay], captioned. */
export function saliencySheetPng(rows: SaliencyRow[], shape: readonly number[], title: string): Uint8Array {
  if (rows.length === 0) throw new Error('saliency sheet: no rows to draw');
  const tiles = rows.map((r) => {
    const png = saliencyPng(r.image, r.gradient, shape);
    const { width, height } = PNG.sync.read(Buffer.from(png));
    return { png, width, height, caption: r.caption };
  });
  const width = Math.max(420, ...tiles.map((t) => t.width)) + 16;
  let y = 34;
  const parts = [`<text x="8" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="8" y="${y + 4}" font-size="11" fill="#555">image · |∂ max logit / ∂ input| · overlay</text>`];
  y += 12;
  for (const t of tiles) {
    parts.push(`<text x="8" y="${y + 14}" font-size="13">${escapeXml(t.caption)}</text>`);
    parts.push(`<image x="8" y="${y + 20}" width="${t.width}" height="${t.height}" href="${pngDataUri(t.png)}"/>`);
    y += t.height + 28;
  }
  return svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 8}" font-family="DejaVu Sans">`
    + `<rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>`);
}

/** Triptychs (original, perturbation, adversarial) one per row. */
export function adversarialSheetPng(rows: TriptychInput[], title: string, scale = 5): Uint8Array {
  if (rows.length === 0) throw new Error('adversarial sheet: no rows to draw');
  const svgs = rows.map((r) => adversarialTriptychSvg(r, scale));
  const size = (svg: string) => {
    const m = /^<svg[^>]*width="([\d.]+)" height="([\d.]+)"/.exec(svg);
    if (!m) throw new Error('adversarial sheet: triptych SVG has no size');
    return { width: Number(m[1]), height: Number(m[2]) };
  };
  let y = 30;
  let width = 300;
  const parts = [`<text x="16" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`];
  for (const svg of svgs) {
    const s = size(svg);
    // a nested <svg> is placed by its x/y attributes
    parts.push(svg.replace('<svg ', `<svg x="0" y="${y}" `));
    y += s.height;
    width = Math.max(width, s.width);
  }
  return svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 8}" font-family="DejaVu Sans">`
    + `<rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>`);
}
