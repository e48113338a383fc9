/** One rendered kernel: its WGSL and its dispatch. */
import { ARENA_BINDINGS } from './arena.ts';
import { helpersFor } from './helpers.ts';

export interface KernelShader {
  source: string;
  workgroups: [number, number, number];
}

export const ENTRY_POINT = 'main';

/** Bindings, the helpers the body uses, and the body, with a header naming the kernel. */
export function assemble(kernelName: string, body: string): string {
  const helpers = helpersFor(body);
  return [`// Axon kernel "${kernelName.replace(/[^\x20-\x7e]/g, '?')}"`, ARENA_BINDINGS, helpers, body].filter((s) => s !== '').join('\n\n') + '\n';
}
