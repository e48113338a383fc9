// Scalar and per-lane helpers for the kernel IR's ALU ops that WebAssembly has no single
// instruction for. Semantics follow compiler/kernel/interpret.ts (unaryAlu / binaryAlu).

// The counter-based RNG of compiler/kernel/random.ts, bit for bit (u32 wrapping math).
/** hashU32 on four lanes. The data-dependent shift (4…19) is four conditional shifts by 1, 2, 4, 8. */
@inline function vhashU32(seed: v128, index: v128): v128 {
  const x = v128.xor(index, i32x4.mul(seed, i32x4.splat(<i32>0x9e3779b9)));
  const state = i32x4.add(i32x4.mul(x, i32x4.splat(747796405)), i32x4.splat(<i32>2891336453));
  const top = i32x4.shr_u(state, 28);
  const zero = i32x4.splat(0);
  let shifted = i32x4.shr_u(state, 4);
  shifted = v128.bitselect(i32x4.shr_u(shifted, 1), shifted, i32x4.ne(v128.and(top, i32x4.splat(1)), zero));
  shifted = v128.bitselect(i32x4.shr_u(shifted, 2), shifted, i32x4.ne(v128.and(top, i32x4.splat(2)), zero));
  shifted = v128.bitselect(i32x4.shr_u(shifted, 4), shifted, i32x4.ne(v128.and(top, i32x4.splat(4)), zero));
  shifted = v128.bitselect(i32x4.shr_u(shifted, 8), shifted, i32x4.ne(v128.and(top, i32x4.splat(8)), zero));
  const word = i32x4.mul(v128.xor(shifted, state), i32x4.splat(277803737));
  return v128.xor(i32x4.shr_u(word, 22), word);
}

/** hashUniform on four lanes (consecutive linear indices in `index`). */
export function vhashUniform(seed: v128, index: v128): v128 {
  return f32x4.div(f32x4.convert_i32x4_u(i32x4.shr_u(vhashU32(seed, index), 8)), f32x4.splat(16777216.0));
}

@inline export function hashU32(seed: i32, index: i32): u32 {
  const x: u32 = (<u32>index) ^ (<u32>seed * 0x9e3779b9);
  const state: u32 = x * 747796405 + 2891336453;
  const word: u32 = ((state >>> ((state >>> 28) + 4)) ^ state) * 277803737;
  return (word >>> 22) ^ word;
}

export function hashUniform(seed: i32, index: i32): f32 {
  return <f32>(hashU32(seed, index) >>> 8) / 16777216.0;
}

/** i32 division as the interpreter defines it: truncating, x/0 = 0, MIN/-1 wraps. */
export function idiv(a: i32, b: i32): i32 {
  if (b == 0) return 0;
  if (b == -1) return -a;
  return a / b;
}

@inline export function sigmoid(x: f32): f32 {
  return 1.0 / (1.0 + Mathf.exp(-x));
}

@inline export function signf(x: f32): f32 {
  return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0;
}

@inline export function signi(x: i32): i32 {
  return x > 0 ? 1 : x < 0 ? -1 : 0;
}

/** f32 → i32 like the interpreter's Math.trunc(x) | 0 for in-range values; NaN → 0. */
@inline export function f2i(x: f32): i32 {
  return i32(<i64>x);
}

// Per-lane wrappers for ops without a SIMD instruction.
/**
 * f32x4 exp (Cephes expf): x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for e^r, then
 * scaling by 2^n split into two factors so n = 128 and n = −126 stay normal. About 1 ulp;
 * results below 1.2e-38 flush to 0, above FLT_MAX are +∞, NaN passes through.
 */
export function vexp(x: v128): v128 {
  const hi = f32x4.splat(88.72283935546875);
  const lo = f32x4.splat(-87.33654022216797);
  const xc = f32x4.min(f32x4.max(x, lo), hi);
  const fn = f32x4.nearest(f32x4.mul(xc, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(xc, f32x4.mul(fn, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fn, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  let y = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1.0));
  const n = i32x4.trunc_sat_f32x4_s(fn);
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  const bias = i32x4.splat(127);
  y = f32x4.mul(f32x4.mul(y, i32x4.shl(i32x4.add(n1, bias), 23)), i32x4.shl(i32x4.add(n2, bias), 23));
  y = v128.bitselect(f32x4.splat(Infinity), y, f32x4.gt(x, hi));
  y = v128.andnot(y, f32x4.lt(x, lo));
  return v128.bitselect(x, y, f32x4.ne(x, x));
}
export function vlog(v: v128): v128 {
  return f32x4(Mathf.log(f32x4.extract_lane(v, 0)), Mathf.log(f32x4.extract_lane(v, 1)), Mathf.log(f32x4.extract_lane(v, 2)), Mathf.log(f32x4.extract_lane(v, 3)));
}
export function vtanh(v: v128): v128 {
  return f32x4(Mathf.tanh(f32x4.extract_lane(v, 0)), Mathf.tanh(f32x4.extract_lane(v, 1)), Mathf.tanh(f32x4.extract_lane(v, 2)), Mathf.tanh(f32x4.extract_lane(v, 3)));
}
export function vsigmoid(v: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), vexp(f32x4.neg(v))));
}
export function vpow(a: v128, b: v128): v128 {
  return f32x4(
    Mathf.pow(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0)), Mathf.pow(f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1)),
    Mathf.pow(f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2)), Mathf.pow(f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3)),
  );
}
export function vidiv(a: v128, b: v128): v128 {
  return i32x4(
    idiv(i32x4.extract_lane(a, 0), i32x4.extract_lane(b, 0)), idiv(i32x4.extract_lane(a, 1), i32x4.extract_lane(b, 1)),
    idiv(i32x4.extract_lane(a, 2), i32x4.extract_lane(b, 2)), idiv(i32x4.extract_lane(a, 3), i32x4.extract_lane(b, 3)),
  );
}

/** f64 → i32 like `Math.trunc(x) | 0` for |x| < 2^63 (wraps mod 2^32); NaN → 0. */
@inline export function f64toi(x: f64): i32 {
  return i32(<i64>x);
}

export function vsignf(v: v128): v128 {
  const z = f32x4.splat(0);
  return v128.or(v128.and(f32x4.gt(v, z), f32x4.splat(1.0)), v128.and(f32x4.lt(v, z), f32x4.splat(-1.0)));
}

export function vsigni(v: v128): v128 {
  const z = i32x4.splat(0);
  // a true lane of lt_s is already -1
  return v128.or(v128.and(i32x4.gt_s(v, z), i32x4.splat(1)), i32x4.lt_s(v, z));
}

@inline export function reluf(x: f32): f32 {
  return x > 0 ? x : 0;
}

export function vf2i(v: v128): v128 {
  return i32x4(f2i(f32x4.extract_lane(v, 0)), f2i(f32x4.extract_lane(v, 1)), f2i(f32x4.extract_lane(v, 2)), f2i(f32x4.extract_lane(v, 3)));
}

/**
 * erf in f32: odd rational approximation on x clamped to [−4, 4] (the form Eigen and XLA use for
 * f32); measured worst error against float64 erf 3.2e-7 (a few ulp). WGSL's ax_erf is the same.
 */
export function erff(x0: f32): f32 {
  const x = min<f32>(max<f32>(x0, <f32>-4.0), <f32>4.0);
  const x2 = x * x;
  let p: f32 = <f32>-2.72614225801306e-10;
  p = p * x2 + <f32>2.77068142495902e-08;
  p = p * x2 + <f32>-2.10102402082508e-06;
  p = p * x2 + <f32>-5.69250639462346e-05;
  p = p * x2 + <f32>-7.34990630326855e-04;
  p = p * x2 + <f32>-2.95459980854025e-03;
  p = p * x2 + <f32>-1.60960333262415e-02;
  let q: f32 = <f32>-1.45660718464996e-05;
  q = q * x2 + <f32>-2.13374055278905e-04;
  q = q * x2 + <f32>-1.68282697438203e-03;
  q = q * x2 + <f32>-7.37332916720468e-03;
  q = q * x2 + <f32>-1.42647390514189e-02;
  return (p * x) / q;
}

/** Floored remainder (torch.remainder): the sign of the divisor; x mod 0 is NaN. */
export function floormodf(a: f32, b: f32): f32 {
  const m = a % b;
  return m != 0 && ((m < 0) != (b < 0)) ? m + b : m;
}

/** Integer floored remainder; x mod 0 is 0 (the interpreter's NaN | 0). */
export function floormodi(a: i32, b: i32): i32 {
  if (b == 0) return 0;
  const m = a % b;
  return m != 0 && ((m < 0) != (b < 0)) ? m + b : m;
}
