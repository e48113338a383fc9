/** Helpers that rewrite the views inside expressions and stores. */
import type { Expr, Store, View } from './ir.ts';

export function mapViews(e: Expr, f: (v: View) => View): Expr {
  switch (e.op) {
    case 'load': return { ...e, view: f(e.view) };
    case 'unary': return { ...e, a: mapViews(e.a, f) };
    case 'binary': return { ...e, a: mapViews(e.a, f), b: mapViews(e.b, f) };
    case 'select': return { ...e, cond: mapViews(e.cond, f), a: mapViews(e.a, f), b: mapViews(e.b, f) };
    case 'random': return { ...e, seed: mapViews(e.seed, f) };
    default: return e;
  }
}

/** Re-expresses stores over a space with a new leading axis of extent 1 (e.g. a matmul's batch). */
export function withLeadingAxis(stores: Store[]): Store[] {
  const addAxis = (v: View): View => ({ ...v, strides: [0, ...v.strides] });
  const shiftIndex = (e: Expr): Expr => {
    switch (e.op) {
      case 'index': return { ...e, axis: e.axis + 1 };
      case 'unary': return { ...e, a: shiftIndex(e.a) };
      case 'binary': return { ...e, a: shiftIndex(e.a), b: shiftIndex(e.b) };
      case 'select': return { ...e, cond: shiftIndex(e.cond), a: shiftIndex(e.a), b: shiftIndex(e.b) };
      case 'random': return { ...e, seed: shiftIndex(e.seed) };
      default: return e;
    }
  };
  return stores.map((s) => ({ view: addAxis(s.view), expr: shiftIndex(mapViews(s.expr, addAxis)) }));
}
