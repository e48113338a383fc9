/**
 * Attribute validation for the window and movement primitives, shared by their shape rules and
 * by the layer builders in frontend/nn.ts (which must check before they create params whose
 * shapes depend on the attributes). Each check throws a plain Error naming the attribute and
 * its value; `Graph.apply` (or `checkAt` below) adds the op, the operand shapes and the user's
 * call site. Without these checks a stride of 0 reached the backends (an AssemblyScript type
 * error at compile time) and a dilation of 0 or a negative padding was silently accepted.
 */
import { GraphError, userCallSite } from '../ir/errors.ts';
import { fmtType, type TensorType } from '../ir/types.ts';
import type { ConvAttrs, PoolAttrs } from './attrs.ts';

const isPositiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;
const isNonNegativeInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;
const show = (v: unknown): string => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

function checkList(name: string, v: unknown, length: number, ok: (x: unknown) => boolean, what: string): void {
  if (!Array.isArray(v) || v.length !== length || !v.every(ok)) throw new Error(`${name} ${show(v)} must be ${length} ${what}`);
}

/** stride ≥ 1, dilation ≥ 1, padding ≥ 0 (integers); groups ≥ 1 dividing both channel counts when given */
export function checkConvAttrs(a: ConvAttrs, channels?: { in: number; out: number }): void {
  checkList('stride', a.stride, 2, isPositiveInt, 'positive integers');
  checkList('dilation', a.dilation, 2, isPositiveInt, 'positive integers');
  checkList('padding', a.pad, 4, isNonNegativeInt, 'non-negative integers ([top, bottom, left, right])');
  if (!isPositiveInt(a.groups)) throw new Error(`groups ${show(a.groups)} must be a positive integer`);
  if (channels && (channels.in % a.groups !== 0 || channels.out % a.groups !== 0)) {
    throw new Error(`groups=${a.groups} must divide the input channels (${channels.in}) and the output channels (${channels.out})`);
  }
}

/** a layer's output channels and kernel size are positive integers */
export function checkLayerSizes(outChannels: number, kernel: readonly number[]): void {
  if (!isPositiveInt(outChannels)) throw new Error(`output channels ${show(outChannels)} must be a positive integer`);
  checkList('kernel', kernel, 2, isPositiveInt, 'positive integers');
}

/** kernel ≥ 1, stride ≥ 1, padding ≥ 0 (integers) */
export function checkPoolAttrs(a: PoolAttrs): void {
  checkList('kernel', a.kernel, 2, isPositiveInt, 'positive integers');
  checkList('stride', a.stride, 2, isPositiveInt, 'positive integers');
  checkList('padding', a.pad, 4, isNonNegativeInt, 'non-negative integers ([top, bottom, left, right])');
}

/** `perm` (negative axes already normalized or not) lists each of `rank` axes exactly once */
export function checkPerm(perm: readonly number[], rank: number): void {
  if (!Array.isArray(perm) || perm.length !== rank) throw new Error(`perm ${show(perm)} has ${Array.isArray(perm) ? perm.length : 0} axes but the tensor has ${rank}`);
  const norm = perm.map((p) => (Number.isInteger(p) && p < 0 ? p + rank : p));
  if (!norm.every((p) => Number.isInteger(p) && p >= 0 && p < rank) || new Set(norm).size !== rank) {
    throw new Error(`perm ${show(perm)} is not a permutation of the axes 0..${rank - 1}`);
  }
}

/** Index and value of the first NaN or ±Infinity in `values`, or undefined when all are finite. */
export function firstNonFinite(values: ArrayLike<number>): { index: number; value: number } | undefined {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return { index: i, value: values[i]! };
  return undefined;
}

/**
 * Throws when `values` holds a NaN or ±Infinity (a constant, an initial param or state value):
 * such a value poisons every result downstream, so it is refused where it enters the graph.
 */
export function nonFiniteError(what: string, values: ArrayLike<number>, site: string | undefined): void {
  const bad = firstNonFinite(values);
  if (bad) {
    throw new GraphError(`${what} holds ${bad.value} at element ${bad.index}${values.length > 1 ? ` of ${values.length}` : ''}; values must be finite `
      + '(for a mask, use a large finite number such as -1e9 instead of -Infinity)', site);
  }
}

/** Runs `check` for a builder (a layer) and reports a failure like Graph.apply does: op, operand types, call site. */
export function checkAt(op: string, inputs: readonly TensorType[], check: () => void): void {
  try {
    check();
  } catch (e) {
    throw new GraphError(`${op}(${inputs.map((t) => fmtType(t)).join(', ')}): ${(e as Error).message}`, userCallSite());
  }
}
