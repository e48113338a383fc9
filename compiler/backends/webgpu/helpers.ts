/**
 * WGSL helper functions that give the kernel IR's ALU its exact semantics (interpret.ts) where
 * WGSL's built-ins are undefined or unstable: exp/log/sqrt/pow outside their domain, NaN-aware
 * max/min, stable sigmoid/tanh, truncating i32 conversion and the counter-based RNG.
 * A shader includes only the helpers its body names (and their dependencies).
 */

interface Helper {
  deps: string[];
  code: string;
}

// Infinity and NaN cannot be WGSL const-expressions (a shader-creation error), so they come from
// a private variable's bits, which the compiler must treat as a run-time value.
const helpers: Record<string, Helper> = {
  ax_special: { deps: [], code: 'var<private> ax_special: vec2<u32> = vec2<u32>(0x7f800000u, 0x7fc00000u);' },
  ax_inf: { deps: ['ax_special'], code: 'fn ax_inf() -> f32 { return bitcast<f32>(ax_special.x); }' },
  ax_nan: { deps: ['ax_special'], code: 'fn ax_nan() -> f32 { return bitcast<f32>(ax_special.y); }' },
  // Bit test rather than `x != x`, which a shader compiler may fold away.
  ax_isnan: { deps: [], code: 'fn ax_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }' },
  ax_exp: {
    deps: ['ax_inf', 'ax_isnan'],
    code: `fn ax_exp(x: f32) -> f32 {
  if (ax_isnan(x)) { return x; }
  if (x > 88.72283) { return ax_inf(); }
  if (x < -103.97) { return 0.0; }
  return exp(x);
}`,
  },
  ax_log: {
    deps: ['ax_inf', 'ax_nan', 'ax_isnan'],
    code: `fn ax_log(x: f32) -> f32 {
  if (ax_isnan(x) || x < 0.0) { return ax_nan(); }
  if (x == 0.0) { return -ax_inf(); }
  if (x == ax_inf()) { return x; }
  return log(x);
}`,
  },
  ax_sqrt: {
    deps: ['ax_nan', 'ax_isnan'],
    code: 'fn ax_sqrt(x: f32) -> f32 { if (ax_isnan(x) || x < 0.0) { return ax_nan(); } return sqrt(x); }',
  },
  ax_sign: { deps: [], code: 'fn ax_sign(x: f32) -> f32 { return select(select(0.0, -1.0, x < 0.0), 1.0, x > 0.0); }' },
  // tanh saturates to ±1 in f32 beyond |x| = 9; clamping keeps exp-based implementations finite.
  ax_tanh: {
    deps: ['ax_isnan'],
    code: `fn ax_tanh(x: f32) -> f32 {
  if (ax_isnan(x)) { return x; }
  let a = abs(x);
  var t: f32;
  if (a < 0.0625) {
    let x2 = x * x;
    t = a * (1.0 + x2 * (-0.33333334 + x2 * (0.13333334 + x2 * -0.05396825)));
  } else {
    t = 1.0 - 2.0 / (exp(2.0 * min(a, 15.0)) + 1.0);
  }
  return select(t, -t, x < 0.0);
}`,
  },
  // exp of −|x| never overflows, so both branches stay finite for any |x|.
  ax_sigmoid: {
    deps: ['ax_isnan'],
    code: `fn ax_sigmoid(x: f32) -> f32 {
  if (ax_isnan(x)) { return x; }
  let e = exp(-min(abs(x), 104.0));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}`,
  },
  ax_max: {
    deps: ['ax_nan', 'ax_isnan'],
    code: 'fn ax_max(a: f32, b: f32) -> f32 { if (ax_isnan(a) || ax_isnan(b)) { return ax_nan(); } return max(a, b); }',
  },
  ax_min: {
    deps: ['ax_nan', 'ax_isnan'],
    code: 'fn ax_min(a: f32, b: f32) -> f32 { if (ax_isnan(a) || ax_isnan(b)) { return ax_nan(); } return min(a, b); }',
  },
  // Math.pow semantics: negative bases with integral exponents, 0^negative = inf.
  ax_pow: {
    deps: ['ax_nan', 'ax_inf', 'ax_isnan'],
    code: `fn ax_pow(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (ax_isnan(x) || ax_isnan(y)) { return ax_nan(); }
  if (y == 1.0) { return x; }
  if (y == 2.0) { return x * x; }
  let a = abs(x);
  if (a == 0.0) { return select(0.0, ax_inf(), y < 0.0); }
  if (x < 0.0 && floor(y) != y) { return ax_nan(); }
  let r = exp2(y * log2(a));
  let odd = x < 0.0 && abs(y) < 16777216.0 && (i32(abs(y)) & 1) == 1;
  return select(r, -r, odd);
}`,
  },
  // assembly/alu.ts erff: the same rational approximation on x clamped to [−4, 4] (error 3.2e-7)
  ax_erf: {
    deps: [],
    code: `fn ax_erf(x0: f32) -> f32 {
  let x = clamp(x0, -4.0, 4.0);
  let x2 = x * x;
  var p = -2.72614225801306e-10;
  p = p * x2 + 2.77068142495902e-08;
  p = p * x2 + -2.10102402082508e-06;
  p = p * x2 + -5.69250639462346e-05;
  p = p * x2 + -7.34990630326855e-04;
  p = p * x2 + -2.95459980854025e-03;
  p = p * x2 + -1.60960333262415e-02;
  var q = -1.45660718464996e-05;
  q = q * x2 + -2.13374055278905e-04;
  q = q * x2 + -1.68282697438203e-03;
  q = q * x2 + -7.37332916720468e-03;
  q = q * x2 + -1.42647390514189e-02;
  return (p * x) / q;
}`,
  },
  // floored remainder (torch.remainder), the sign of the divisor; x mod 0 is NaN
  ax_mod: {
    deps: [],
    code: `fn ax_mod(a: f32, b: f32) -> f32 {
  let m = a - b * trunc(a / b);
  return select(m, m + b, m != 0.0 && ((m < 0.0) != (b < 0.0)));
}`,
  },
  // integer floored remainder; x mod 0 is 0 (WGSL's % also yields 0 for MIN % -1)
  ax_imod: {
    deps: [],
    code: `fn ax_imod(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let m = a % b;
  return select(m, m + b, m != 0 && ((m < 0) != (b < 0)));
}`,
  },
  // JS `Math.trunc(x) | 0` for NaN is 0; out-of-range values saturate here (JS wraps them).
  ax_f2i: { deps: ['ax_isnan'], code: 'fn ax_f2i(x: f32) -> i32 { return select(i32(x), 0, ax_isnan(x)); }' },
  // Integer division truncates; x/0 is 0 as in `Math.trunc(x / 0) | 0`.
  ax_idiv: { deps: [], code: 'fn ax_idiv(a: i32, b: i32) -> i32 { return select(a / select(b, 1, b == 0), 0, b == 0); }' },
  ax_ipow: {
    deps: [],
    code: `fn ax_ipow(a: i32, b: i32) -> i32 {
  if (b < 0) { return select(0, select(1, select(1, -1, (b & 1) == 1), a == -1), a == 1 || a == -1); }
  var r = 1; var base = a; var e = b;
  loop { if (e == 0) { break; } if ((e & 1) == 1) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}`,
  },
  // kernel/random.ts: PCG's output permutation over a seeded counter, u32 wrapping math.
  ax_hash: {
    deps: [],
    code: `fn ax_hash(seed: u32, index: u32) -> u32 {
  let x = index ^ (seed * 0x9e3779b9u);
  let state = x * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}`,
  },
  ax_uniform: {
    deps: ['ax_hash'],
    code: 'fn ax_uniform(seed: i32, index: u32) -> f32 { return f32(ax_hash(bitcast<u32>(seed), index) >> 8u) / 16777216.0; }',
  },
};

/** The helper definitions `body` refers to, dependencies first. */
export function helpersFor(body: string): string {
  const used = new Set<string>();
  const visit = (name: string): void => {
    if (used.has(name)) return;
    for (const d of helpers[name]!.deps) visit(d);
    used.add(name);
  };
  for (const m of body.matchAll(/\bax_[a-z0-9]+\b/g)) if (helpers[m[0]]) visit(m[0]);
  return [...used].map((n) => helpers[n]!.code).join('\n');
}
