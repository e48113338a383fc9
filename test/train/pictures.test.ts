import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  adversarialTriptychPng, confusionMatrixPng, confusionMatrixSvg, filterGridPng, saliencyPng, trainingCurvesPng, trainingCurvesSvg, writePicture,
} from '../../cli/pictures/index.ts';
import type { EpochMetrics } from '../../runtime/train/loop.ts';

const decode = (bytes: Uint8Array) => PNG.sync.read(Buffer.from(bytes));
const pixel = (png: PNG, x: number, y: number) => Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3));

const history: EpochMetrics[] = [1, 2, 3].map((e) => ({
  epoch: e, trainLoss: 1 / e, trainAccuracy: 0.6 + e / 10, valLoss: 1.1 / e, valAccuracy: 0.55 + e / 10, seconds: 1, samplesPerSecond: 100,
}));

describe('pictures', () => {
  it('filter grid: one tile per filter (C = 1), diverging colours, exact size', () => {
    // 3 filters of 1×2×2: filter 0 = [+1, -1, 0, 0]
    const w = Float32Array.of(1, -1, 0, 0, /* f1 */ 0, 0, 0, 2, /* f2 */ 0, 0, 0, 0);
    const png = decode(filterGridPng(w, [3, 1, 2, 2], { scale: 4, gap: 1, columns: 2 }));
    expect([png.width, png.height]).toEqual([1 + 2 * (8 + 1), 1 + 2 * (8 + 1)]);
    expect(pixel(png, 1, 1)).toEqual([178, 24, 43]);  // strongest positive → red
    expect(pixel(png, 5, 1)).toEqual([33, 102, 172]); // strongest negative → blue
    expect(pixel(png, 1, 5)).toEqual([255, 255, 255]); // zero → white
    expect(pixel(png, 0, 0)).toEqual([128, 128, 128]); // gap
    const multi = decode(filterGridPng(new Float32Array(2 * 3 * 3 * 3), [2, 3, 3, 3], { scale: 2, gap: 1 }));
    expect([multi.width, multi.height]).toEqual([1 + 3 * 7, 1 + 2 * 7]);
    expect(() => filterGridPng(new Float32Array(5), [1, 1, 2, 2])).toThrow(/5 weights do not fit shape \[1, 1, 2, 2\]/);
  });

  it('saliency: three panels, heat where the gradient is largest', () => {
    const image = Float32Array.from({ length: 16 }, (_, i) => i / 15);
    const grad = new Float32Array(16);
    grad[5] = -3; // the sign does not matter
    const png = decode(saliencyPng(image, grad, [1, 1, 4, 4], 2));
    expect([png.width, png.height]).toEqual([4 * 2 * 3 + 4 * 4, 4 * 2 + 8]);
    const heatX = 4 * 2 + 8 + 1 * 2; // second panel, pixel (1, 1)
    expect(pixel(png, heatX, 4 + 2)).toEqual([255, 255, 255]); // peak → white-hot
    expect(pixel(png, heatX + 2, 4 + 2)).toEqual([0, 0, 0]);   // zero gradient → black
    expect(() => saliencyPng(image, grad, [5, 4, 4])).toThrow(/C = 1 or 3/);
  });

  it('training curves render through vega-lite to SVG and PNG', async () => {
    const svg = await trainingCurvesSvg(history);
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('validation');
    const png = decode(await trainingCurvesPng(history));
    expect(png.width).toBeGreaterThan(600);
    expect(png.height).toBeGreaterThan(300);
    await expect(trainingCurvesSvg([])).rejects.toThrow(/no epochs/);
  });

  it('confusion matrix labels its classes and counts', async () => {
    const m = Int32Array.of(5, 1, 0, 2, 7, 1, 0, 0, 9);
    const svg = await confusionMatrixSvg(m, ['Coat', 'Shirt', 'Bag']);
    for (const s of ['Coat', 'Shirt', 'Bag', '>9<', 'true class']) expect(svg).toContain(s);
    const png = decode(await confusionMatrixPng(m, ['Coat', 'Shirt', 'Bag']));
    expect(png.width).toBeGreaterThan(200);
    await expect(confusionMatrixSvg(m, ['a', 'b'])).rejects.toThrow(/9 cells for 2 class names/);
  });

  it('adversarial triptych has three tiles with captions and writes to disk', () => {
    const original = Float32Array.from({ length: 28 * 28 }, (_, i) => (i % 28) / 27);
    const adversarial = original.map((v, i) => v + (i % 2 ? 0.1 : -0.1));
    const bytes = adversarialTriptychPng({
      original, adversarial, shape: [1, 28, 28],
      originalPrediction: { className: 'Sneaker', confidence: 0.93 }, adversarialPrediction: { className: 'Sandal', confidence: 0.71 },
      perturbationLabel: 'ε = 0.1',
    }, 4);
    const png = decode(bytes);
    expect([png.width, png.height]).toEqual([16 + 3 * (112 + 16), 112 + 70]);
    const path = writePicture(join(mkdtempSync(join(tmpdir(), 'axon-pic-')), 'sub', 'adv.png'), bytes);
    expect(decode(new Uint8Array(readFileSync(path))).width).toBe(png.width);
  });
});
