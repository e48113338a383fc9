/** One rendered kernel: its WGSL, its dispatch and the arena segments it binds. */
import type { ArenaLayout } from './arena.ts';
import { helpersFor } from './helpers.ts';

export interface KernelShader {
  source: string;
  workgroups: [number, number, number];
  /** arena segments bound at bindings 0, 1, … (increasing) */
  bindings: number[];
}

export const ENTRY_POINT = 'main';

/**
 * Bindings of the segments the body touched (as `array<element>`), the helpers the body uses,
 * and the body, with a header naming the kernel. Call after the body is complete.
 */
export function assemble(kernelName: string, body: string, arena: ArenaLayout, element = 'u32'): Omit<KernelShader, 'workgroups'> {
  // WGSL directives (`enable subgroups;`) must precede every declaration
  const directives = [...body.matchAll(/^enable [\w, ]+;$/gm)].map((m) => m[0]);
  body = body.replace(/^enable [\w, ]+;\n*/gm, '');
  const helpers = helpersFor(body);
  const declarations = arena.declarations(element);
  const source = [directives.join('\n'), `// Axon kernel "${kernelName.replace(/[^\x20-\x7e]/g, '?')}"`, declarations, helpers, body].filter((s) => s !== '').join('\n\n') + '\n';
  return { source, bindings: arena.segments() };
}
