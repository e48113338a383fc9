/**
 * Compiles generated AssemblyScript to wasm in-process with the AssemblyScript compiler API,
 * entirely in memory, and caches modules by a hash of (source, library, flags); the disk cache adds the
 * compiler version (node-host.ts).
 */
import { sha256Hex } from './hash.ts';
import { loadLibrary, readEmbeddedLibraryFile, type ReadLibraryFile } from './library.ts';
import { LIBRARY_DIR } from './program.ts';

export interface CompileHost {
  /** where the kernel library comes from (default: the copy embedded in the package) */
  readLibraryFile: ReadLibraryFile;
  /** optional persistent cache (Node: a disk cache); it must key its entries by the compiler version too */
  cache?: {
    get(key: string): Promise<Uint8Array | undefined>;
    set(key: string, bytes: Uint8Array): Promise<void>;
  };
}

export interface CompileRequest {
  source: string;
  memoryBase: number;
  memoryPages: number;
  relaxedSimd?: boolean;
  /** shared imported memory with atomics, for the worker pool */
  threads?: boolean;
  /** binaryen optimization level (default 1: -O3 was no faster and compiled 1.8× slower) */
  optimizeLevel?: number;
}

export interface CompileResult {
  wasm: Uint8Array;
  cacheHit: 'memory' | 'disk' | false;
  compileMs: number;
}

const memoryCache = new Map<string, Promise<Uint8Array>>();
/** asc.main keeps module-level compiler state, so compilations run one at a time. */
let compileQueue: Promise<unknown> = Promise.resolve();
const libraries = new WeakMap<ReadLibraryFile, Promise<Record<string, string>>>();

/** The embedded library and this process's memory cache; Node's entry (compiler/node.ts) adds a disk cache. */
let defaultHost: CompileHost = { readLibraryFile: readEmbeddedLibraryFile };

export function getDefaultHost(): Promise<CompileHost> {
  return Promise.resolve(defaultHost);
}

/** Sets the host compile() uses when none is passed (compiler/node.ts installs the disk-cached one). */
export function setDefaultCompileHost(host: CompileHost): void {
  defaultHost = host;
}

function flags(req: CompileRequest): string[] {
  return [
    '--outFile', 'program.wasm',
    '--enable', ['simd', ...(req.relaxedSimd ? ['relaxed-simd'] : []), ...(req.threads ? ['threads'] : [])].join(','),
    '--runtime', 'stub',
    '--optimizeLevel', String(req.optimizeLevel ?? 1),
    '--shrinkLevel', '0',
    '--noAssert',
    '--memoryBase', String(req.memoryBase),
    '--initialMemory', String(req.memoryPages),
    // a shared memory is imported and needs a fixed maximum
    ...(req.threads ? ['--importMemory', '--sharedMemory', '--maximumMemory', String(req.memoryPages)] : []),
  ];
}

/**
 * The AssemblyScript compiler (with binaryen, megabytes of JS) loads only when a module must
 * really be compiled, so a cache hit costs milliseconds, not the seconds of loading asc.
 */
type Asc = typeof import('assemblyscript/asc').default;
let ascModule: Promise<Asc> | undefined;
// the only place the package imports assemblyscript: an optional peer dependency, needed only by
// the `codegen: 'asc'` debugging path (the default bytecode path links the prebuilt library)
const ascSpecifier = 'assemblyscript/asc';
const loadAsc = () => (ascModule ??= (import(/* @vite-ignore */ ascSpecifier) as Promise<{ default: Asc }>).then((m) => m.default, (e: Error) => {
  ascModule = undefined;
  throw new Error(`wasm backend: codegen: 'asc' needs the AssemblyScript compiler; install assemblyscript (npm install -D assemblyscript) to use it (${e.message})`);
}));

export async function compileProgram(req: CompileRequest, host?: CompileHost): Promise<CompileResult> {
  const h = host ?? await getDefaultHost();
  let lib = libraries.get(h.readLibraryFile);
  if (!lib) libraries.set(h.readLibraryFile, lib = loadLibrary(h.readLibraryFile));
  const library = await lib;
  const argv = ['program.ts', ...flags(req)];
  const key = await sha256Hex(JSON.stringify([argv, library, req.source]));
  const start = performance.now();
  const cached = memoryCache.get(key);
  if (cached) return { wasm: await cached, cacheHit: 'memory', compileMs: performance.now() - start };
  const onDisk = await h.cache?.get(key);
  if (onDisk) {
    memoryCache.set(key, Promise.resolve(onDisk));
    return { wasm: onDisk, cacheHit: 'disk', compileMs: performance.now() - start };
  }
  const pending = compileQueue.then(() => runAsc(argv, req.source, library));
  compileQueue = pending.catch(() => undefined);
  memoryCache.set(key, pending);
  try {
    const wasm = await pending;
    await h.cache?.set(key, wasm);
    return { wasm, cacheHit: false, compileMs: performance.now() - start };
  } catch (e) {
    memoryCache.delete(key);
    throw e;
  }
}

/**
 * Loads the AssemblyScript compiler and runs it once on a tiny module, so that the first real
 * compile does not pay for loading binaryen (13.5 MB of JS) and warming its JIT (seconds, most
 * of a cold compile). Call it early (at startup, while the user does something else).
 */
export async function warmUpWasmCompiler(host?: CompileHost): Promise<void> {
  const h = host ?? await getDefaultHost();
  let lib = libraries.get(h.readLibraryFile);
  if (!lib) libraries.set(h.readLibraryFile, lib = loadLibrary(h.readLibraryFile));
  const library = await lib;
  const source = `import { gemm } from './${LIBRARY_DIR}/gemm';\nexport function run(): void { gemm(4, 8, 4, 0, 4, 1, 64, 8, 1, 256, 8, false, 512, -1, 0, 0); }\n`;
  const pending = compileQueue.then(() => runAsc(['program.ts', ...flags({ source, memoryBase: 65536, memoryPages: 2 })], source, library));
  compileQueue = pending.catch(() => undefined);
  await pending;
}

async function runAsc(argv: string[], source: string, library: Record<string, string>): Promise<Uint8Array> {
  const files: Record<string, string> = { 'program.ts': source };
  for (const [name, text] of Object.entries(library)) files[`${LIBRARY_DIR}/${name}`] = text;
  let wasm: Uint8Array | undefined;
  let errors = '';
  const asc = await loadAsc();
  const { error } = await asc.main(argv, {
    readFile: (name) => files[name.replace(/^\.\//, '')] ?? null,
    writeFile: (name, contents) => { if (name.endsWith('.wasm') && typeof contents !== 'string') wasm = contents; },
    listFiles: () => [],
    stdout: { write: () => true } as never,
    stderr: { write: (s: string | Uint8Array) => { errors += typeof s === 'string' ? s : new TextDecoder().decode(s); return true; } } as never,
  });
  if (error || !wasm) {
    throw new Error(`wasm backend: AssemblyScript compilation failed: ${error?.message ?? 'no output'}\n${errors}`);
  }
  return wasm;
}
