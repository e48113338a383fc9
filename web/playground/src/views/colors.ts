/** Diverging palette of the heat maps: orange (−1, class 0) → white (0) → blue (+1, class 1). */
const NEG = [245, 147, 34], MID = [248, 248, 248], POS = [8, 119, 189];

export function divergingColor(v: number): [number, number, number] {
  const t = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0));
  const end = t < 0 ? NEG : POS, a = Math.abs(t);
  return [0, 1, 2].map((i) => Math.round(MID[i]! + (end[i]! - MID[i]!) * a)) as [number, number, number];
}

export const CLASS_COLORS = ['#f59322', '#0877bd'];
