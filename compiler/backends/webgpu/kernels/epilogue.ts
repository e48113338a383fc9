/** The fused epilogue of accumulating kernels: stores evaluated with `acc` bound. */
import type { Store } from '../../../kernel/ir.ts';
import type { ArenaLayout } from '../arena.ts';
import { ExprEmitter, Names, type Space } from '../expr.ts';

/** Statements evaluating `stores` over `space` with `acc` (f32, named `accName`) bound. */
export function epilogueLines(arena: ArenaLayout, space: Space, stores: readonly Store[], accName = 'acc', prelude: string[] = []): string[] {
  const lines = [...prelude];
  new ExprEmitter(arena, new Names(), lines, space, { code: accName, dtype: 'f32' }, '').emitStores(stores);
  return lines;
}
