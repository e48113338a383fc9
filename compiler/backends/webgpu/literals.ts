/** WGSL literals for kernel-IR constants. */
import type { DType } from '../../kernel/ir.ts';

export function literal(value: number, dtype: DType): string {
  if (dtype === 'i32') {
    const v = Math.trunc(value) | 0;
    return v < 0 ? `i32(${v})` : `${v}i`;
  }
  if (Number.isNaN(value)) return 'ax_nan()';
  if (value === Infinity) return 'ax_inf()';
  if (value === -Infinity) return '(-ax_inf())';
  const f = Math.fround(value);
  if (!Number.isFinite(f)) return f > 0 ? 'ax_inf()' : '(-ax_inf())';
  // The shortest decimal of the f32 value parses back to exactly that value.
  const s = String(Math.abs(f));
  const body = /[.e]/.test(s) ? `${s}f` : `${s}.0f`;
  return f < 0 || Object.is(f, -0) ? `(-${body})` : body;
}

/** Product of dims: the element count of a shape. */
export function volume(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
