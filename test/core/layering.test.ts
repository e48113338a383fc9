/**
 * Layering: the graph IR runs without the gradient rules, lowerings or frontend (it imports only
 * the shape table), and graph-level dead-code elimination lives in passes/, not in the kernel
 * lowering. Checked on the value imports (`import type` is erased) reachable from ir/graph.ts.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

function valueImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/^(?:import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'/gm)) {
    if (!m[1]) out.push(resolve(dirname(file), m[2]!));
  }
  return out;
}

function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const stack = [resolve(root, entry)];
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    stack.push(...valueImports(f));
  }
  return new Set([...seen].map((f) => relative(root, f)));
}

describe('layering', () => {
  it('Graph imports the shape table but no VJP rules, lowerings or frontend', () => {
    const deps = reachable('compiler/ir/graph.ts');
    expect(deps.has(join('compiler', 'ops', 'shapes.ts'))).toBe(true);
    const forbidden = [...deps].filter((f) => f === join('compiler', 'ops', 'index.ts') || f.startsWith(join('compiler', 'frontend')) || f.startsWith(join('compiler', 'kernel', 'lower')));
    expect(forbidden).toEqual([]);
  });

  it('dead-code elimination is a graph pass (passes/dce.ts), not part of the kernel lowering', () => {
    expect(readFileSync(join(root, 'compiler/passes/dce.ts'), 'utf8')).toMatch(/export function liveNodes/);
    expect(readFileSync(join(root, 'compiler/kernel/lower.ts'), 'utf8')).not.toMatch(/function liveNodes/);
  });
});
