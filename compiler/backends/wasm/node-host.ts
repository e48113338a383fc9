/**
 * Node's compile host: the embedded kernel library plus a disk cache of compiled modules in the
 * user's cache directory (see cacheDirectory), so a second process reuses them. Installed as the
 * default by Node's compiler entry (compiler/node.ts); browsers keep the in-memory cache only.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CompileHost } from './compile.ts';
import { readEmbeddedLibraryFile } from './library.ts';

/**
 * Where compiled modules are kept: $AXON_CACHE_DIR, else $XDG_CACHE_HOME/axon, else ~/.cache/axon
 * (safe to delete). The wasm modules go in its `wasm/` folder.
 */
export function cacheDirectory(env: Record<string, string | undefined> = process.env): string {
  if (env.AXON_CACHE_DIR) return resolve(env.AXON_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return join(resolve(env.XDG_CACHE_HOME), 'axon');
  return join(homedir(), '.cache', 'axon');
}

/** The AssemblyScript version goes into every cache key: another compiler may emit other bytes. */
function ascVersion(): string {
  try {
    return (createRequire(import.meta.url)('assemblyscript/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export interface NodeCompileHostOptions {
  /** the cache directory (default: cacheDirectory()); `false` keeps modules in memory only */
  cacheDir?: string | false;
  /** called once when the cache cannot be written (default: a warning on stderr) */
  onCacheWriteError?: (dir: string, error: Error) => void;
}

const warnOnce = (dir: string, error: Error) => process.emitWarning(
  `cannot write the compile cache in ${dir} (${error.message}); compiled modules will not be reused by the next run. `
  + 'Set AXON_CACHE_DIR to a writable directory.', { code: 'AXON_CACHE' });

export function createNodeCompileHost(options: NodeCompileHostOptions = {}): CompileHost {
  const root = options.cacheDir ?? cacheDirectory();
  if (root === false) return { readLibraryFile: readEmbeddedLibraryFile };
  const dir = join(root, 'wasm');
  const prefix = `asc-${ascVersion()}-`;
  const onError = options.onCacheWriteError ?? warnOnce;
  let warned = false;
  return {
    readLibraryFile: readEmbeddedLibraryFile,
    cache: {
      async get(key) {
        try {
          return new Uint8Array(await readFile(join(dir, `${prefix}${key}.wasm`)));
        } catch {
          return undefined; // a miss (or an unreadable entry): compile again
        }
      },
      async set(key, bytes) {
        try {
          await mkdir(dir, { recursive: true });
          // write-then-rename so a concurrent reader never sees a partial module
          const tmp = join(dir, `${prefix}${key}.${process.pid}.tmp`);
          await writeFile(tmp, bytes);
          await rename(tmp, join(dir, `${prefix}${key}.wasm`));
        } catch (e) {
          if (!warned) {
            warned = true;
            onError(dir, e as Error);
          }
        }
      },
    },
  };
}
