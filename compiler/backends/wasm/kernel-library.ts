/**
 * Loads the prebuilt kernel library (compiler/backends/wasm/kernels/, built by
 * `npm run build:kernels`) for a variant: Node reads the file next to this module, a browser
 * fetches it (bundlers resolve the `new URL(…, import.meta.url)`). Parsed once per variant.
 */
import buildInfo from './kernels/kernels.json' with { type: 'json' };
import type { KernelBuildInfo, KernelConstants, KernelVariant } from './kernel-variants.ts';
import { parseLibrary, type LibraryModule } from './bytecode/link.ts';

export const KERNEL_BUILD: KernelBuildInfo = buildInfo as KernelBuildInfo;

export interface KernelLibrary {
  variant: KernelVariant;
  module: LibraryModule;
  constants: KernelConstants;
}

/** Reads a file of the kernels/ folder; the default picks fs (Node) or fetch. */
export type ReadKernelFile = (file: string) => Promise<Uint8Array>;

const isNode = typeof process !== 'undefined' && !!process.versions?.node;

export const defaultReadKernelFile: ReadKernelFile = async (file) => {
  const url = new URL(`./kernels/${file}`, import.meta.url);
  if (isNode && url.protocol === 'file:') {
    // a variable specifier keeps bundlers from resolving a Node module for the browser
    const fsModule = 'node:fs/promises';
    const { readFile } = await import(/* @vite-ignore */ fsModule) as typeof import('node:fs/promises');
    return new Uint8Array(await readFile(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`wasm backend: cannot load the kernel library ${url.href} (HTTP ${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
};

const loaded = new Map<ReadKernelFile, Map<KernelVariant, Promise<KernelLibrary>>>();

export function loadKernelLibrary(variant: KernelVariant, read: ReadKernelFile = defaultReadKernelFile): Promise<KernelLibrary> {
  let byVariant = loaded.get(read);
  if (!byVariant) loaded.set(read, byVariant = new Map());
  let lib = byVariant.get(variant);
  if (!lib) {
    const info = KERNEL_BUILD.variants[variant];
    lib = read(info.file).then((bytes) => ({ variant, module: parseLibrary(bytes), constants: info.constants }));
    lib.catch(() => byVariant!.delete(variant));
    byVariant.set(variant, lib);
  }
  return lib;
}
