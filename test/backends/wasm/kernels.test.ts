import ascPackage from 'assemblyscript/package.json' with { type: 'json' };
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { KERNEL_BUILD, kernelLibraryBytes } from '../../../compiler/backends/wasm/kernel-library.ts';
import { KERNEL_SOURCES, KERNEL_VARIANTS, kernelSourceHash } from '../../../compiler/backends/wasm/kernel-variants.ts';

const root = new URL('../../../', import.meta.url);

describe('prebuilt kernel library (compiler/backends/wasm/kernels/kernels.generated.ts)', () => {
  it('was built from the current assembly/ sources and flags (else run: npm run build:kernels)', async () => {
    const sources = Object.fromEntries(await Promise.all(KERNEL_SOURCES.map(async (f) => [f, await readFile(new URL(`assembly/${f}`, root), 'utf8')] as const)));
    expect(KERNEL_BUILD.ascVersion).toBe(ascPackage.version);
    expect(KERNEL_BUILD.sourceHash, 'assembly/ changed since the kernels were built: npm run build:kernels').toBe(await kernelSourceHash(sources, ascPackage.version));
  });

  it('embeds every variant with the recorded size and hash, starting with the wasm magic', () => {
    for (const v of KERNEL_VARIANTS) {
      const info = KERNEL_BUILD.variants[v];
      const bytes = kernelLibraryBytes(v);
      expect([...bytes.subarray(0, 4)], info.file).toEqual([0, 0x61, 0x73, 0x6d]);
      expect(bytes.length, info.file).toBe(info.bytes);
      expect(createHash('sha256').update(bytes).digest('hex'), info.file).toBe(info.sha256);
    }
    // the relaxed builds use the 6×8 tile, the plain ones 5×8; both fit the planned scratch
    expect(KERNEL_BUILD.variants.relaxed.constants.GEMM_MR).toBe(6);
    expect(KERNEL_BUILD.variants.plain.constants.GEMM_MR).toBe(5);
  });
});
