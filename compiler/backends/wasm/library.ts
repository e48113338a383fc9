/**
 * The hand-written AssemblyScript kernel library (assembly/*.ts) that generated programs import.
 * The compiler reads it through a host hook so it can run in a browser (fetch next to this
 * module) as well as in Node (node-host.ts reads the files from disk).
 */
export const LIBRARY_FILES = ['alu.ts', 'conv.ts', 'gemm.ts', 'layout.ts', 'pool.ts', 'threads.ts'] as const;

export type ReadLibraryFile = (name: string) => Promise<string>;

/** Browser default: the library is served alongside the compiler sources. */
export const fetchLibraryFile: ReadLibraryFile = async (name) => {
  const url = new URL(`../../../assembly/${name}`, import.meta.url);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`wasm backend: cannot load kernel library file ${url.href} (HTTP ${res.status})`);
  return res.text();
};

export async function loadLibrary(read: ReadLibraryFile): Promise<Record<string, string>> {
  const entries = await Promise.all(LIBRARY_FILES.map(async (f) => [f, await read(f)] as const));
  return Object.fromEntries(entries);
}
