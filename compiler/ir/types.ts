/** Tensor types of the graph IR: static shapes, f32 or i32. */
export type DType = 'f32' | 'i32';
export type Shape = readonly number[];

export interface TensorType {
  readonly shape: Shape;
  readonly dtype: DType;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function fmtType(t: TensorType): string {
  return `${t.dtype}${fmtShape(t.shape)}`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Row-major strides of a contiguous tensor. */
export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

/** Normalizes a possibly negative axis against a rank, or throws naming the op. */
export function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`${op}: axis ${axis} is out of range for a rank-${rank} tensor`);
  return a;
}
