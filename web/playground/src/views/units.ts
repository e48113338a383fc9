/**
 * One small heat map per hidden unit: the unit's activation over the plane, scaled by the largest
 * magnitude that unit reaches, so ReLU units are as readable as tanh ones.
 */
import { paintField } from './heatmap.ts';

export function renderUnitCanvases(container: HTMLElement, hidden: readonly number[]): HTMLCanvasElement[][] {
  container.replaceChildren();
  return hidden.map((units, layer) => {
    const row = document.createElement('div');
    row.className = 'unit-row';
    const label = document.createElement('span');
    label.className = 'unit-label';
    label.textContent = `layer ${layer + 1}`;
    row.append(label);
    const canvases = Array.from({ length: units }, (_, u) => {
      const c = document.createElement('canvas');
      c.width = c.height = 48;
      c.title = `hidden layer ${layer + 1}, unit ${u + 1}`;
      row.append(c);
      return c;
    });
    container.append(row);
    return canvases;
  });
}

export function paintUnits(canvases: HTMLCanvasElement[][], hidden: Float32Array[], grid: number): void {
  const cells = grid * grid;
  canvases.forEach((layer, l) => {
    const acts = hidden[l]!, units = layer.length;
    layer.forEach((canvas, u) => {
      let maxAbs = 1e-6;
      for (let i = 0; i < cells; i++) maxAbs = Math.max(maxAbs, Math.abs(acts[i * units + u]!));
      const field = new Float32Array(cells);
      for (let i = 0; i < cells; i++) field[i] = acts[i * units + u]! / maxAbs;
      paintField(canvas, field, grid);
    });
  });
}
