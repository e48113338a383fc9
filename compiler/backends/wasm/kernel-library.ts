/**
 * The prebuilt kernel library (built by `npm run build:kernels` into
 * kernels/kernels.generated.ts): each variant's .wasm is embedded as base64 in a plain module,
 * so it loads the same way in Node, an installed package, Vite's dev server and a bundle — no
 * file read, fetch or JSON import. Decoded and parsed once per variant.
 */
import type { KernelBuildInfo, KernelConstants, KernelVariant } from './kernel-variants.ts';
import { parseLibrary, type LibraryModule } from './bytecode/link.ts';
import { KERNEL_BUILD_INFO, KERNEL_WASM_BASE64 } from './kernels/kernels.generated.ts';

export const KERNEL_BUILD: KernelBuildInfo = KERNEL_BUILD_INFO;

export interface KernelLibrary {
  variant: KernelVariant;
  module: LibraryModule;
  constants: KernelConstants;
}

/** The embedded .wasm bytes of a variant (atob: in every browser and in Node ≥ 16). */
export function kernelLibraryBytes(variant: KernelVariant): Uint8Array {
  const text = atob(KERNEL_WASM_BASE64[variant]);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

const loaded = new Map<KernelVariant, KernelLibrary>();

export function loadKernelLibrary(variant: KernelVariant): Promise<KernelLibrary> {
  let lib = loaded.get(variant);
  if (!lib) {
    lib = { variant, module: parseLibrary(kernelLibraryBytes(variant)), constants: KERNEL_BUILD.variants[variant].constants };
    loaded.set(variant, lib);
  }
  return Promise.resolve(lib);
}
