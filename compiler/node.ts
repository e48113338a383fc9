/**
 * Axon's compiler API for Node (the `node` condition of the package's `axon` entry): the same
 * API as compiler/index.ts, with compiled WASM modules cached on disk in the user's cache
 * directory ($AXON_CACHE_DIR, $XDG_CACHE_HOME/axon or ~/.cache/axon).
 */
import { setDefaultCompileHost } from './backends/wasm/compile.ts';
import { createNodeCompileHost } from './backends/wasm/node-host.ts';

export * from './index.ts';
export { cacheDirectory, createNodeCompileHost, type NodeCompileHostOptions } from './backends/wasm/node-host.ts';

setDefaultCompileHost(createNodeCompileHost());
