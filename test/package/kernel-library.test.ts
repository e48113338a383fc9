/**
 * The kernel library the compiler embeds (compiler/backends/wasm/kernel-library.generated.ts)
 * must be assembly/ as it is now: `npm run build:library` regenerates it.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { GENERATED_MODULE, renderKernelLibraryModule } from '../../scripts/embed-kernel-library.ts';
import { LIBRARY_FILES } from '../../compiler/backends/wasm/library.ts';

describe('the embedded kernel library', () => {
  it('matches assembly/ (else run `npm run build:library`)', () => {
    expect(readFileSync(GENERATED_MODULE, 'utf8') === renderKernelLibraryModule(), 'kernel-library.generated.ts is stale: run `npm run build:library`').toBe(true);
  });

  it('holds the files generated programs import', () => {
    expect([...LIBRARY_FILES]).toEqual(expect.arrayContaining(['alu.ts', 'conv.ts', 'gemm.ts', 'layout.ts', 'pool.ts', 'threads.ts']));
  });
});
