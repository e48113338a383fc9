/**
 * The shape of an op's rules. Each primitive has exactly one `OpRule` in the table in
 * `ops/index.ts` — its gradient (VJP) rule and its lowering to kernel IR — and one shape/dtype
 * rule in `ops/shapes.ts` (a table of its own, so the graph IR needs neither of the others).
 *
 * Reference semantics: an op's lowering, run unfused by the kernel-IR interpreter in float64, is
 * the reference implementation (`interpreter/evaluate.ts`); there is no second copy of the math
 * that could drift. PyTorch goldens (test/goldens) check that reference independently.
 *
 * Per-backend lowering: ops lower to kernel IR (ALU expressions, masked strided views, indexed
 * loads, or one of six kernel kinds); each backend renders the closed ALU set and kernel kinds through its own
 * exhaustive tables, so an op never needs backend-specific code.
 */
import type { Tensor } from '../ir/graph.ts';
import type { Shape, TensorType } from '../ir/types.ts';
import type { Expr, Kernel, Store, View } from '../kernel/ir.ts';
export type { ShapeRule, ShapeTable } from './shapes.ts';
import type { OpAttrs, OpName } from './attrs.ts';

export type Lowering<K extends OpName> =
  /** one ALU expression over the operands' values at the same index */
  | { kind: 'elementwise'; expr(args: Expr[], attrs: OpAttrs[K], out: TensorType): Expr; positional?: boolean }
  /**
   * A new view of the operand (applied to every view its expression reads: offset, strides and
   * mask), or null when one view cannot express it (then the operand is copied first).
   */
  | { kind: 'movement'; view(inShape: Shape, v: View, attrs: OpAttrs[K], outShape: Shape): View | null }
  /** constant padding: masked views whose new points read `value` (lower.ts checks computed operands) */
  | { kind: 'pad'; pads(attrs: OpAttrs[K], inShape: Shape): { before: number[]; after: number[]; value: number } }
  /** a sum of zero-padded views of the operands along `axis` (no copy) */
  | { kind: 'concat'; axis(attrs: OpAttrs[K]): number }
  /** the operand's expression with each read along `axis` turned into an indexed load by the index operand */
  | { kind: 'gather'; axis(attrs: OpAttrs[K]): number }
  /** a scatter_add kernel (operands: updates, 1-D indices) writing a buffer of its own */
  | { kind: 'scatter'; axis(attrs: OpAttrs[K]): number }
  /** a fold over `axes` (reduced dims are kept with size 1); 'min' folds max over the negation */
  | { kind: 'reduce'; reduce: 'sum' | 'max' | 'min' | 'argmax'; axes(attrs: OpAttrs[K]): number[] }
  /** a kernel of its own (matmul, conv, pool) over strided operand views, with a fused epilogue */
  | { kind: 'anchor'; kernel(operands: View[], stores: Store[], attrs: OpAttrs[K], ins: readonly TensorType[], out: TensorType, name: string): Kernel };

export interface OpRule<K extends OpName> {
  /** cotangents of the inputs given the output's cotangent; null = no gradient flows */
  vjp(ct: Tensor, inputs: readonly Tensor[], out: Tensor, attrs: OpAttrs[K]): (Tensor | null)[];
  lower: Lowering<K>;
}

export type RuleTable = { [K in OpName]: OpRule<K> };
export type Rules<Ks extends OpName> = { [K in Ks]: OpRule<K> };
