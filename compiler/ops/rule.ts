/**
 * The shape of an op's rules. Each primitive has exactly one `OpRule` in the table in
 * `ops/index.ts`: its shape/dtype rule, its gradient (VJP) rule and its lowering to kernel IR.
 *
 * Reference semantics: an op's lowering, run unfused by the kernel-IR interpreter in float64, is
 * the reference implementation (`interpreter/evaluate.ts`); there is no second copy of the math
 * that could drift. PyTorch goldens (test/goldens) check that reference independently.
 *
 * Per-backend lowering: ops lower to kernel IR (ALU expressions, strided views, or one of five
 * kernel kinds); each backend renders the closed ALU set and kernel kinds through its own
 * exhaustive tables, so an op never needs backend-specific code.
 */
import type { Tensor } from '../ir/graph.ts';
import type { Shape, TensorType } from '../ir/types.ts';
import type { Expr, Kernel, Store, View } from '../kernel/ir.ts';
import type { OpAttrs, OpName } from './attrs.ts';

export type Lowering<K extends OpName> =
  /** one ALU expression over the operands' values at the same index */
  | { kind: 'elementwise'; expr(args: Expr[], attrs: OpAttrs[K], out: TensorType): Expr; positional?: boolean }
  /** a new strided view of the operand, or null when strides cannot express it (then it is copied) */
  | { kind: 'movement'; strides(inShape: Shape, inStrides: readonly number[], attrs: OpAttrs[K], outShape: Shape): number[] | null }
  /** a fold over `axes` (reduced dims are kept with size 1) */
  | { kind: 'reduce'; reduce: 'sum' | 'max' | 'argmax'; axes(attrs: OpAttrs[K]): number[] }
  /** a kernel of its own (matmul, conv, pool) over strided operand views, with a fused epilogue */
  | { kind: 'anchor'; kernel(operands: View[], stores: Store[], attrs: OpAttrs[K], ins: readonly TensorType[], out: TensorType, name: string): Kernel };

export interface OpRule<K extends OpName> {
  /** shape/dtype rule; throws a message naming what is wrong (the graph adds op, shapes and call site) */
  infer(inputs: readonly TensorType[], attrs: OpAttrs[K]): TensorType;
  /** cotangents of the inputs given the output's cotangent; null = no gradient flows */
  vjp(ct: Tensor, inputs: readonly Tensor[], out: Tensor, attrs: OpAttrs[K]): (Tensor | null)[];
  lower: Lowering<K>;
}

export type RuleTable = { [K in OpName]: OpRule<K> };
export type Rules<Ks extends OpName> = { [K in Ks]: OpRule<K> };
