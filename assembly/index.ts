// The kernel library's entry point: everything generated single-threaded program code calls
// (the threaded variants add index.threads.ts). It is compiled once per variant at build time (scripts/build-kernels.ts → compiler/backends/wasm/kernels/);
// the backend appends each program's functions to the built module (compiler/backends/wasm/link.ts),
// so these exports are found by name there and calls to them are direct calls.

export { gemm, gemmPackedA, packAll, gemmPackedB, packBAll, KC, NR, PLAN_EDGE_ROWS, PLAN_MC, GEMM_MR, GEMM_MC } from './gemm';
export { im2col, col2imAdd } from './conv';
export { depthwiseForward } from './depthwise';
export { gather4 } from './layout';
export { poolForward, poolBackward } from './pool';
export { hashUniform, vhashUniform, idiv, vexp, vlog, vtanh, vsigmoid, vpow, vidiv, vsignf, vsigni, vf2i, erff, floormodf, floormodi } from './alu';

// Scalar math without a wasm instruction, as AssemblyScript's Mathf (f32) and Math (f64) compute it.
export function expf(x: f32): f32 { return Mathf.exp(x); }
export function logf(x: f32): f32 { return Mathf.log(x); }
export function tanhf(x: f32): f32 { return Mathf.tanh(x); }
export function powf(x: f32, y: f32): f32 { return Mathf.pow(x, y); }
export function sinf(x: f32): f32 { return Mathf.sin(x); }
export function cosf(x: f32): f32 { return Mathf.cos(x); }
export function exp64(x: f64): f64 { return Math.exp(x); }
export function log64(x: f64): f64 { return Math.log(x); }
export function tanh64(x: f64): f64 { return Math.tanh(x); }
export function pow64(x: f64, y: f64): f64 { return Math.pow(x, y); }
export function sin64(x: f64): f64 { return Math.sin(x); }
export function cos64(x: f64): f64 { return Math.cos(x); }
