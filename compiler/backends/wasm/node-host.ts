/**
 * Node-only compile host: reads the kernel library from the repository's assembly/ folder and
 * keeps compiled modules in a disk cache under node_modules/.cache/axon/wasm (safe to delete).
 * Loaded lazily by the backend only when running under Node.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompileHost } from './compile.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cacheDir = join(repoRoot, 'node_modules', '.cache', 'axon', 'wasm');

export const nodeCompileHost: CompileHost = {
  readLibraryFile: (name) => readFile(join(repoRoot, 'assembly', name), 'utf8'),
  cache: {
    async get(key) {
      try {
        return new Uint8Array(await readFile(join(cacheDir, `${key}.wasm`)));
      } catch {
        return undefined;
      }
    },
    async set(key, bytes) {
      try {
        await mkdir(cacheDir, { recursive: true });
        // write-then-rename so a concurrent reader never sees a partial module
        const tmp = join(cacheDir, `${key}.${process.pid}.tmp`);
        await writeFile(tmp, bytes);
        await rename(tmp, join(cacheDir, `${key}.wasm`));
      } catch {
        // the disk cache is an optimisation only
      }
    },
  },
};
