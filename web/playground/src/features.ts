/** The input features a user can feed the network, computed from a point (x1, x2). */
export type FeatureName = 'x1' | 'x2' | 'x1sq' | 'x2sq' | 'x1x2' | 'sinx1' | 'sinx2';

export const FEATURES: Record<FeatureName, { label: string; f: (a: number, b: number) => number }> = {
  x1: { label: 'x₁', f: (a) => a },
  x2: { label: 'x₂', f: (_a, b) => b },
  x1sq: { label: 'x₁²', f: (a) => a * a },
  x2sq: { label: 'x₂²', f: (_a, b) => b * b },
  x1x2: { label: 'x₁·x₂', f: (a, b) => a * b },
  sinx1: { label: 'sin x₁', f: (a) => Math.sin(a) },
  sinx2: { label: 'sin x₂', f: (_a, b) => Math.sin(b) },
};

/** Writes the features of `count` points (x1, x2 interleaved in `xy`) row by row into `out` (zero-padded). */
export function featurize(xy: Float32Array, count: number, features: readonly FeatureName[], out: Float32Array): Float32Array {
  out.fill(0);
  const k = features.length;
  for (let i = 0; i < count; i++) {
    const a = xy[2 * i]!, b = xy[2 * i + 1]!;
    for (let j = 0; j < k; j++) out[i * k + j] = FEATURES[features[j]!].f(a, b);
  }
  return out;
}
