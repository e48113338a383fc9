/**
 * Kernel IR: the backend-neutral program that both backends render.
 *
 * The graph optimizer lowers a graph into a list of kernels over one static arena. Every kernel
 * iterates a static index space; every tensor access is a strided, optionally masked `View` of a
 * buffer, so broadcasts (stride 0), transposes (permuted strides), contiguous reshapes, slices
 * (offsets, any step; negative strides flip), pads (validity masks with a fill value) and
 * concatenations (sums of zero-padded views) cost nothing, and a `gather` node is a load at a
 * computed index (embedding lookups fuse into their consumers). Element math is an `Expr` tree
 * over a small closed ALU set, so a backend renders ALU ops and kernel kinds, never graph ops:
 * adding a graph op never touches a backend. Every walker goes through the exhaustive child
 * traversal in `expr.ts`.
 */

export type DType = 'f32' | 'i32';

/**
 * A strided, optionally masked window on a buffer. For an index vector `i` of the kernel's
 * iteration space, the element read or written is `buffer[offset + Σ_d i[d] * strides[d]]` (in
 * elements). `strides.length` equals the rank of the iteration space the view is used in.
 *
 * Validity mask (reads only): when `mask` is present, the point is in bounds iff
 * `mask[d][0] <= i[d] < mask[d][1]` for every axis d. A read out of bounds yields `fill`
 * (default 0) and touches no memory — its address may lie outside the buffer (or be negative),
 * so renderers must not compute the load unconditionally from that address. This is how pad
 * (fill = the pad value), concat (a sum of zero-padded views) and slices that meet padding stay
 * views fused into their consumers. Negative strides express flips and negative-step slices;
 * `offset` then points at the element of index 0.
 *
 * Stores and the operands of matmul/conv2d/pool2d/scatter_add never carry a mask (lowering
 * materializes a masked operand, or folds a zero pad into a convolution's own padding).
 */
export interface View {
  buffer: number;
  offset: number;
  strides: number[];
  mask?: [number, number][];
  fill?: number;
}

/**
 * Unary ALU ops. Beyond the obvious: `floor`/`ceil` round toward −∞/+∞; `round` rounds half to
 * even (like PyTorch's torch.round and WGSL's round); `erf` is the error function; `sin`/`cos`
 * take radians.
 */
export type UnaryAlu =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'recip' | 'abs' | 'sign' | 'floor' | 'ceil' | 'round'
  | 'tanh' | 'sigmoid' | 'relu' | 'step' | 'erf' | 'sin' | 'cos'
  | 'to_f32' | 'to_i32';

/**
 * Binary ALU ops. `mod` is the floored remainder, PyTorch's torch.remainder / Python's `%`:
 * a − b·⌊a/b⌋, with the sign of the divisor (−7 mod 3 = 2, 7 mod −3 = −2); x mod 0 is NaN for
 * f32 and 0 for i32.
 */
export type BinaryAlu =
  | 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'pow' | 'mod'
  /** comparisons yield 1 or 0 in the dtype of the expression (f32 or i32) */
  | 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne';

export type Expr =
  | { op: 'load'; view: View; dtype: DType }
  | { op: 'const'; value: number; dtype: DType }
  | { op: 'unary'; fn: UnaryAlu; a: Expr; dtype: DType }
  | { op: 'binary'; fn: BinaryAlu; a: Expr; b: Expr; dtype: DType }
  /** cond != 0 ? a : b */
  | { op: 'select'; cond: Expr; a: Expr; b: Expr; dtype: DType }
  /** the loop index along `axis` of the iteration space (i32) */
  | { op: 'index'; axis: number; dtype: 'i32' }
  /**
   * Counter-based uniform random number in [0, 1): `hashUniform(seed, linear index of the
   * element in the iteration space)`. Both backends use the same integer hash (see
   * `kernel/random.ts`), so masks are bit-identical across backends and with the reference.
   */
  | { op: 'random'; seed: Expr; dtype: 'f32' }
  /** the accumulated result of a reduce/matmul/conv/pool/scatter_add kernel, inside its epilogue */
  | { op: 'acc'; dtype: DType }
  /**
   * Indexed load (gather, embedding lookup): `j = clamp(index, 0, extent − 1)` with `index` an
   * i32 expression evaluated at the same point, then the element is
   * `buffer[view.offset + Σ_d i[d]·view.strides[d] + j·stride]` — unless `view.mask` excludes the
   * point, in which case it is `view.fill` (and `index` need not be evaluated). Out-of-range
   * indices are clamped at run time (never a wild read); the frontend rejects them at build time
   * when the index tensor is a constant.
   */
  | { op: 'gather'; view: View; index: Expr; stride: number; extent: number; dtype: DType };

/** Every Expr node kind (the key set of the exhaustive tables and walkers). */
export type ExprOp = Expr['op'];

/** Writes `expr` (evaluated at each point of the output space) through `view`. */
export interface Store {
  view: View;
  expr: Expr;
}

/** One loop nest over `shape`, computing one or more outputs per point. */
export interface ElementwiseKernel {
  kind: 'elementwise';
  name: string;
  shape: number[];
  stores: Store[];
}

/**
 * For each point `o` of `shape`, runs the phases in order: each folds its `body` over the points
 * `r` of `reduceShape` (the body's iteration space is `shape ++ reduceShape`), then writes its
 * stores' exprs with `acc` bound to the folded value. 'argmax' yields the first index (i32,
 * row-major over reduceShape) of the maximum.
 *
 * Several phases make a multi-output reduce (softmax's row max, then its row Σexp(x − max); a
 * norm's mean, then its variance): a later phase's body and stores may read what an earlier
 * phase stored, but only the element stored at the same output point (the store's view, with
 * stride 0 along the reduced axes). So every backend may split the output points among threads
 * or invocations exactly as for one reduction, each running every phase over its share in
 * order. `fuseRowReductions` (kernel/reduce-fusion.ts) builds them and checks that rule.
 */
export interface ReduceKernel {
  kind: 'reduce';
  name: string;
  shape: number[];
  reduceShape: number[];
  phases: [ReducePhase, ...ReducePhase[]];
}

/** One fold of a reduce kernel: `body` folded by `reduce`, then `stores` with `acc` bound. */
export interface ReducePhase {
  reduce: 'sum' | 'max' | 'argmax';
  body: Expr;
  stores: Store[];
}

/**
 * Batched matrix product: acc[b,m,n] = Σ_k A[b,m,k] · B[b,k,n]. `a` has strides over
 * [batch, m, k] and `b` over [batch, k, n], so transposed operands are just other strides.
 * Stores run over [batch, m, n] with `acc` bound to the dot product (the fused epilogue).
 */
export interface MatmulKernel {
  kind: 'matmul';
  name: string;
  batch: number;
  m: number;
  n: number;
  k: number;
  a: View;
  b: View;
  stores: Store[];
}

export interface ConvGeometry {
  batch: number;
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  outHeight: number;
  outWidth: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  dilationH: number;
  dilationW: number;
  groups: number;
}

/**
 * 2-D convolution in its three forms; all views are strided (4 strides each), so NCHW and NHWC
 * are both expressible and a backend may choose by looking at the strides.
 *  - forward:     y[n,o,oh,ow]  = Σ_{c in group, kh, kw} x[n,c,ih,iw] · w[o,c',kh,kw]
 *  - input_grad:  dx[n,c,ih,iw] = Σ_{o in group, kh, kw : ih = oh·s − p + kh·d} dy[n,o,oh,ow] · w[o,c',kh,kw]
 *                 (this is also the transposed convolution)
 *  - weight_grad: dw[o,c',kh,kw] = Σ_{n, oh, ow} dy[n,o,oh,ow] · x[n,c,ih,iw]
 * where ih = oh·strideH − padTop + kh·dilationH (likewise iw); out-of-range taps read 0.
 * Operands: forward (x, w), input_grad (dy, w), weight_grad (dy, x).
 * Stores run over the result's 4-D index space ([n,o,oh,ow], [n,c,ih,iw] or [o,c',kh,kw]).
 */
export interface ConvKernel {
  kind: 'conv2d';
  name: string;
  mode: 'forward' | 'input_grad' | 'weight_grad';
  geometry: ConvGeometry;
  /** x for forward and weight_grad, dy for input_grad: strides over [n, c, h, w] */
  input: View;
  /** w for forward and input_grad (strides over [o, c', kh, kw]); x for weight_grad is `input`, dy is `other` */
  other: View;
  stores: Store[];
}

export interface PoolGeometry {
  batch: number;
  channels: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  kernelHeight: number;
  kernelWidth: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
}

/**
 * 2-D pooling. 'max'/'avg' run over [n,c,oh,ow] reading `input` (x). Padding taps are ignored
 * by max and count as zeros for avg (divisor = kernelHeight·kernelWidth, PyTorch's
 * count_include_pad=True). The gradients run over x's space [n,c,ih,iw]:
 *  - 'max_grad': dx = Σ over windows containing the element of dy, where the element is the
 *    window's first maximum (row-major); `input` = x, `grad` = dy.
 *  - 'avg_grad': dx = Σ over windows containing the element of dy / (kh·kw); `grad` = dy.
 */
export interface PoolKernel {
  kind: 'pool2d';
  name: string;
  mode: 'max' | 'avg' | 'max_grad' | 'avg_grad';
  geometry: PoolGeometry;
  /** x, strides over [n, c, h, w] (unused by avg_grad) */
  input: View;
  /** dy, strides over [n, c, oh, ow] (only the _grad modes) */
  grad?: View;
  stores: Store[];
}

/**
 * Scatter-add (gather's gradient), deterministic. With `idx[j]` the i32 element `indices` reads
 * at [j] (one stride: the index list) and `r(j) = clamp(idx[j], 0, shape[axis] − 1)`:
 *   out[o] = Σ_{j = 0 … count−1 in increasing j, r(j) = o[axis]} updates[o with o[axis] := j]
 * for every point `o` of `shape` (0 where no index matches). `updates` has strides over `shape`
 * whose `axis` entry steps the index position j (extent `count`); `out` is written at every
 * point. There is no fused epilogue: the result is written through `out` (lowering stores it
 * to a buffer of its own), so every backend can accumulate in place.
 *
 * Why this form: each output element adds its matching update rows in index order, so the
 * result is bit-identical from run to run and the same sequence of f32 additions on every
 * backend — no atomics, no order that depends on scheduling. Backends zero `out`, then walk the
 * index list once per (prefix, feature) column and add row j into row r(j): O(count × features)
 * additions and no compares. An embedding gradient (vocab 256, 4,096 tokens, width 128) is
 * 0.5 M additions, where a one-hot matmul would be 134 M multiply-adds. (WebGPU runs one
 * invocation per column, which owns its output column, so no two invocations write one word.)
 */
export interface ScatterAddKernel {
  kind: 'scatter_add';
  name: string;
  shape: number[];
  axis: number;
  count: number;
  indices: View;
  updates: View;
  out: View;
}

export type Kernel = ElementwiseKernel | ReduceKernel | MatmulKernel | ConvKernel | PoolKernel | ScatterAddKernel;
export type KernelKind = Kernel['kind'];

export type BufferRole = 'input' | 'param' | 'state' | 'const' | 'temp' | 'output';

export interface BufferDecl {
  id: number;
  /** the graph name for inputs, params, state and outputs; a generated name otherwise */
  name: string;
  dtype: DType;
  /** number of elements */
  size: number;
  shape: number[];
  role: BufferRole;
  /** byte offset in the arena, assigned by the memory planner (16-byte aligned) */
  offset: number;
  /** initial contents of params, state and consts */
  init?: Float32Array | Int32Array;
}

export interface Program {
  buffers: BufferDecl[];
  kernels: Kernel[];
  /** total arena size in bytes */
  arenaBytes: number;
  /**
   * Set by the planner when the arena is split into GPU buffers of this many bytes: buffer b
   * lives in segment ⌊b.offset / segmentBytes⌋ and crosses no segment boundary.
   */
  segmentBytes?: number;
  /** graph inputs fed by the caller, by name */
  inputs: { name: string; buffer: number }[];
  /** graph outputs returned to the caller, by name */
  outputs: { name: string; buffer: number }[];
  /** trainable parameters and optimizer/statistics state (updated in place by the kernels) */
  params: { name: string; buffer: number }[];
  state: { name: string; buffer: number }[];
  /** for each kernel, the graph ops it computes (for explain and profiles; optional) */
  sources?: string[][];
}
