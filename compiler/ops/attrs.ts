/**
 * The primitive op set and each op's attributes. Adding an op here without adding its rules to
 * `ops/index.ts` is a type error (the rule table is a mapped type over `OpAttrs`).
 * Everything else (softmax, losses, layers, optimizers) is composed from these in frontend/.
 */
import type { DType } from '../ir/types.ts';

type None = Record<string, never>;

/** [top, bottom, left, right] */
export type Pad4 = [number, number, number, number];

export interface ConvAttrs {
  stride: [number, number];
  pad: Pad4;
  dilation: [number, number];
  groups: number;
}

export interface PoolAttrs {
  kernel: [number, number];
  stride: [number, number];
  pad: Pad4;
}

export interface OpAttrs {
  // elementwise, unary
  neg: None; exp: None; log: None; sqrt: None; recip: None; abs: None; sign: None;
  tanh: None; sigmoid: None; relu: None; step: None;
  erf: None; sin: None; cos: None;
  /** rounding: toward −∞, toward +∞, half to even (torch.round); zero gradient */
  floor: None; ceil: None; round: None;
  cast: { dtype: DType };
  stop_gradient: None;
  // elementwise, binary (operands have equal shapes: the frontend broadcasts explicitly)
  add: None; sub: None; mul: None; div: None; maximum: None; minimum: None; pow: None;
  /** floored remainder a − b·⌊a/b⌋ (torch.remainder: the sign of the divisor) */
  mod: None;
  less: None; greater: None; equal: None; less_equal: None; greater_equal: None; not_equal: None;
  where: None;
  // generators
  random_uniform: { shape: number[] };
  iota: { shape: number[]; axis: number };
  // reductions (keep reduced dims as size 1)
  sum: { axes: number[] };
  max: { axes: number[] };
  min: { axes: number[] };
  argmax: { axis: number };
  // movement (views: free unless a view cannot express them)
  reshape: { shape: number[] };
  transpose: { perm: number[] };
  broadcast: { shape: number[] };
  /** constant padding per axis (non-negative; crop with slice) */
  pad: { before: number[]; after: number[]; value: number };
  /**
   * Strided slice, normalized per axis (the frontend resolves negative and omitted bounds):
   * out index i reads start[d] + i·step[d] for i < ⌈(stop[d] − start[d]) / step[d]⌉; step ≠ 0,
   * negative steps run backwards (stop may then be −1). Empty slices are rejected.
   */
  slice: { start: number[]; stop: number[]; step: number[] };
  // joining and indexing (views and indexed loads; scatter_add is its own kernel)
  concat: { axis: number };
  /** out = x[..., idx[j…], ...] along `axis`: shape x[:axis] ++ idx ++ x[axis+1:]; indices clamped at run time */
  gather: { axis: number };
  /** out[..., r, ...] = Σ_{j: idx[j] = r} updates[..., j, ...] with `size` rows along `axis`; idx is 1-D */
  scatter_add: { axis: number; size: number };
  // contractions and windows
  matmul: None;
  conv2d: ConvAttrs;
  conv2d_input_grad: ConvAttrs & { inputShape: number[] };
  conv2d_weight_grad: ConvAttrs & { weightShape: number[] };
  maxpool2d: PoolAttrs;
  maxpool2d_grad: PoolAttrs;
  avgpool2d: PoolAttrs;
  avgpool2d_grad: PoolAttrs & { inputShape: number[] };
}

export type OpName = keyof OpAttrs;
