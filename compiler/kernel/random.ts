/**
 * The counter-based RNG behind the kernel IR's `random` expression. It is a pure function of
 * (seed, element index), so every backend and the reference interpreter draw identical numbers
 * without any RNG state: a dropout mask depends only on the step's seed input.
 * The same integer steps are written in WGSL and AssemblyScript by the backends (u32 wrapping math).
 */
export const RNG_SEED_MUL = 0x9e3779b9;
export const PCG_MUL = 747796405;
export const PCG_INC = 2891336453;
export const PCG_OUT_MUL = 277803737;

/** u32 hash of (seed, index) — PCG's output permutation over a seeded counter. */
export function hashU32(seed: number, index: number): number {
  const x = (index ^ Math.imul(seed, RNG_SEED_MUL)) >>> 0;
  const state = (Math.imul(x, PCG_MUL) + PCG_INC) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, PCG_OUT_MUL) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** Uniform in [0, 1) with 24 random bits, exactly representable in f32. */
export function hashUniform(seed: number, index: number): number {
  return (hashU32(seed, index) >>> 8) / 16777216;
}
