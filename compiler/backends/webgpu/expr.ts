/**
 * Renders kernel-IR `Expr` trees as WGSL statements. Each node becomes one `let`, memoized by
 * node identity, so a DAG shared inside one expression is computed once.
 */
import type { DType, Expr, Store, View } from '../../kernel/ir.ts';
import { assertNever } from '../../util/never.ts';
import { loadWord, storeWord, type ArenaLayout } from './arena.ts';
import { binaryWgsl, unaryWgsl } from './alu.ts';
import { literal } from './literals.ts';

/** An iteration space as seen by generated code: one i32 variable per axis. */
export interface Space {
  vars: readonly string[];
  shape: readonly number[];
}

/** Unique local names within one shader. */
export class Names {
  private n = 0;
  next(prefix = 't'): string {
    return `${prefix}${this.n++}`;
  }
}

export function convert(code: string, from: DType, to: DType): string {
  if (from === to) return code;
  return to === 'f32' ? `f32(${code})` : `ax_f2i(${code})`;
}

/** Row-major linear index of the space's point, as u32 (what `random` hashes). */
export function linearIndex(space: Space): string {
  let code = '';
  space.vars.forEach((v, d) => {
    code = d === 0 ? v : `(${code}) * ${space.shape[d]} + ${v}`;
  });
  return code === '' ? '0u' : `u32(${code})`;
}

export class ExprEmitter {
  private readonly memo = new Map<Expr, string>();

  constructor(
    private readonly arena: ArenaLayout,
    private readonly names: Names,
    private readonly out: string[],
    private readonly space: Space,
    /** the folded value bound to `acc` inside an epilogue */
    private readonly acc?: { code: string; dtype: DType },
    private readonly indent = '  ',
  ) {}

  /** Emits `e` and returns the name of the `let` holding its value (in e.dtype). */
  emit(e: Expr): string {
    const hit = this.memo.get(e);
    if (hit) return hit;
    const name = this.names.next();
    this.out.push(`${this.indent}let ${name} = ${this.render(e)};`);
    this.memo.set(e, name);
    return name;
  }

  /** Evaluates every store before writing any, so an in-place store never feeds a sibling. */
  emitStores(stores: readonly Store[]): void {
    const values = stores.map((s) => this.emit(s.expr));
    stores.forEach((s, i) => {
      const value = convert(values[i]!, stores[i]!.expr.dtype, this.arena.dtype(s.view));
      this.out.push(`${this.indent}${storeWord(this.arena.word(s.view, this.arena.index(s.view, this.space.vars)), value)}`);
    });
  }

  /** WGSL bool: is the current point inside the view's mask (undefined: no mask). */
  private bounds(view: View): string | undefined {
    if (!view.mask) return undefined;
    const terms: string[] = [];
    view.mask.forEach(([lo, hi], d) => {
      const v = this.space.vars[d]!;
      if (lo >= hi) terms.push('false');
      else {
        if (lo > 0) terms.push(`${v} >= ${lo}`);
        terms.push(`${v} < ${hi}`);
      }
    });
    return terms.length ? terms.join(' && ') : undefined;
  }

  /**
   * A read of `view` at arena element `index` in dtype `want`: masked views read `fill` out of
   * bounds, and their index is replaced by 0 there so no out-of-range word is addressed.
   */
  private read(view: View, index: string, want: DType): string {
    const dt = this.arena.dtype(view);
    const ok = this.bounds(view);
    if (!ok) return convert(loadWord(this.arena.word(view, index), dt), dt, want);
    const valid = this.names.next('ok');
    this.out.push(`${this.indent}let ${valid} = ${ok};`);
    const word = convert(loadWord(this.arena.word(view, `select(0, ${index}, ${valid})`), dt), dt, want);
    return `select(${literal(view.fill ?? 0, want)}, ${word}, ${valid})`;
  }

  private render(e: Expr): string {
    switch (e.op) {
      case 'load':
        return this.read(e.view, this.arena.index(e.view, this.space.vars), e.dtype);
      case 'gather': {
        const j = convert(this.emit(e.index), e.index.dtype, 'i32');
        return this.read(e.view, `(${this.arena.index(e.view, this.space.vars)} + clamp(${j}, 0, ${e.extent - 1}) * ${e.stride})`, e.dtype);
      }
      case 'const':
        return literal(e.value, e.dtype);
      case 'index': {
        const v = this.space.vars[e.axis];
        if (v === undefined) throw new Error(`webgpu: index axis ${e.axis} outside the ${this.space.vars.length}-D iteration space`);
        return convert(v, 'i32', e.dtype);
      }
      case 'random': {
        const seed = this.emit(e.seed);
        return `ax_uniform(${convert(seed, e.seed.dtype, 'i32')}, ${linearIndex(this.space)})`;
      }
      case 'acc':
        if (!this.acc) throw new Error('webgpu: `acc` used outside an epilogue (only reduce/matmul/conv2d/pool2d stores may read it)');
        return convert(this.acc.code, this.acc.dtype, e.dtype);
      case 'select': {
        const c = this.emit(e.cond);
        const a = convert(this.emit(e.a), e.a.dtype, e.dtype);
        const b = convert(this.emit(e.b), e.b.dtype, e.dtype);
        return `select(${b}, ${a}, ${c} != ${e.cond.dtype === 'f32' ? '0.0' : '0'})`;
      }
      case 'unary':
        return this.unary(e);
      case 'binary':
        return this.binary(e);
      default:
        return assertNever(e, 'Expr node');
    }
  }

  private unary(e: Extract<Expr, { op: 'unary' }>): string {
    const x = this.emit(e.a);
    if (e.fn === 'to_f32') return convert(x, e.a.dtype, e.dtype);
    if (e.fn === 'to_i32' && e.dtype === 'i32') return convert(x, e.a.dtype, 'i32');
    const rule = unaryWgsl[e.fn];
    if (e.dtype === 'i32' && e.a.dtype === 'i32' && rule.i32) return rule.i32(x);
    return convert(rule.f32(convert(x, e.a.dtype, 'f32')), 'f32', e.dtype);
  }

  private binary(e: Extract<Expr, { op: 'binary' }>): string {
    const a = this.emit(e.a), b = this.emit(e.b);
    const rule = binaryWgsl[e.fn];
    const comparison = ['lt', 'le', 'gt', 'ge', 'eq', 'ne'].includes(e.fn);
    const ints = e.a.dtype === 'i32' && e.b.dtype === 'i32' && rule.i32 !== undefined;
    if (ints && (e.dtype === 'i32' || comparison)) return convert(rule.i32!(a, b), 'i32', e.dtype);
    return convert(rule.f32(convert(a, e.a.dtype, 'f32'), convert(b, e.b.dtype, 'f32')), 'f32', e.dtype);
  }
}
