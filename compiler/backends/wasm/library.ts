/**
 * Where the compiler gets the hand-written AssemblyScript kernel library (assembly/*.ts) that
 * generated programs import. The sources are embedded in a generated module
 * (kernel-library.generated.ts, from `npm run build:library`), so plain Node, an installed
 * package, a Vite dev server and a bundled page all find them the same way: by importing a
 * module, never by a file path or URL relative to the repository.
 */
import { KERNEL_LIBRARY_SOURCES } from './kernel-library.generated.ts';

/** Every file of assembly/, mounted for the compiler as `./axon/<name>`. */
export const LIBRARY_FILES: readonly string[] = Object.keys(KERNEL_LIBRARY_SOURCES);

export type ReadLibraryFile = (name: string) => Promise<string>;

/** The default: the library embedded in the package. */
export const readEmbeddedLibraryFile: ReadLibraryFile = async (name) => {
  const text = KERNEL_LIBRARY_SOURCES[name];
  if (text === undefined) throw new Error(`wasm backend: kernel library file assembly/${name} is not embedded (run \`npm run build:library\`)`);
  return text;
};

export async function loadLibrary(read: ReadLibraryFile): Promise<Record<string, string>> {
  const entries = await Promise.all(LIBRARY_FILES.map(async (f) => [f, await read(f)] as const));
  return Object.fromEntries(entries);
}
