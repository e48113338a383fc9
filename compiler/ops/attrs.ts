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
  cast: { dtype: DType };
  stop_gradient: None;
  // elementwise, binary (operands have equal shapes: the frontend broadcasts explicitly)
  add: None; sub: None; mul: None; div: None; maximum: None; minimum: None; pow: None;
  less: None; greater: None; equal: None;
  where: None;
  // generators
  random_uniform: { shape: number[] };
  iota: { shape: number[]; axis: number };
  // reductions (keep reduced dims as size 1)
  sum: { axes: number[] };
  max: { axes: number[] };
  argmax: { axis: number };
  // movement (views: free unless a view cannot express them)
  reshape: { shape: number[] };
  transpose: { perm: number[] };
  broadcast: { shape: number[] };
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
