/**
 * Seeded initializers. `Rng` is a small deterministic PRNG (splitmix32), so a model built with the
 * same seed gets bit-identical initial weights on every machine and backend.
 */
import type { Shape } from '../ir/types.ts';
import { sizeOf } from '../ir/types.ts';

export class Rng {
  private state: number;
  constructor(seed = 0) { this.state = seed >>> 0; }
  /** uniform u32 */
  nextU32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }
  /** uniform in [0, 1) */
  next(): number { return this.nextU32() / 4294967296; }
  uniform(lo: number, hi: number): number { return lo + (hi - lo) * this.next(); }
  /** standard normal (Box–Muller) */
  normal(): number {
    const u = 1 - this.next(), v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** an independent generator derived from this one */
  fork(): Rng { return new Rng(this.nextU32()); }
}

export type Initializer = (shape: Shape) => Float32Array;

/** fan-in/fan-out of dense weights [in, out] and conv weights [O, C/groups, KH, KW] */
export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length === 4) {
    const rf = shape[2]! * shape[3]!;
    return { fanIn: shape[1]! * rf, fanOut: shape[0]! * rf };
  }
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  const n = sizeOf(shape);
  return { fanIn: n, fanOut: n };
}

const fill = (shape: Shape, f: () => number) => Float32Array.from({ length: sizeOf(shape) }, f);

export const zeros: Initializer = (shape) => new Float32Array(sizeOf(shape));
export const ones: Initializer = (shape) => new Float32Array(sizeOf(shape)).fill(1);
export const constant = (v: number): Initializer => (shape) => new Float32Array(sizeOf(shape)).fill(v);
/** uniform in [lo, hi]; the lectures' small-weights start is uniform(rng, -0.01, 0.01) */
export const uniform = (rng: Rng, lo = -0.01, hi = 0.01): Initializer => (shape) => fill(shape, () => rng.uniform(lo, hi));
export const normal = (rng: Rng, std = 0.01): Initializer => (shape) => fill(shape, () => rng.normal() * std);
/** uniform ±1/√fan_in (lecture 002) */
export const lecunUniform = (rng: Rng): Initializer => (shape) => { const a = 1 / Math.sqrt(fans(shape).fanIn); return fill(shape, () => rng.uniform(-a, a)); };
/** Glorot/Xavier uniform: ±√(6/(fan_in+fan_out)) */
export const glorotUniform = (rng: Rng): Initializer => (shape) => { const { fanIn, fanOut } = fans(shape); const a = Math.sqrt(6 / (fanIn + fanOut)); return fill(shape, () => rng.uniform(-a, a)); };
/** Glorot/Xavier normal: std √(2/(fan_in+fan_out)) */
export const glorotNormal = (rng: Rng): Initializer => (shape) => { const { fanIn, fanOut } = fans(shape); const s = Math.sqrt(2 / (fanIn + fanOut)); return fill(shape, () => rng.normal() * s); };
/** He (Kaiming) normal for ReLU layers: std √(2/fan_in) */
export const heNormal = (rng: Rng): Initializer => (shape) => { const s = Math.sqrt(2 / fans(shape).fanIn); return fill(shape, () => rng.normal() * s); };
/** He (Kaiming) uniform: ±√(6/fan_in) */
export const heUniform = (rng: Rng): Initializer => (shape) => { const a = Math.sqrt(6 / fans(shape).fanIn); return fill(shape, () => rng.uniform(-a, a)); };
