/**
 * Axon's compiler API (`import … from 'axon'`): build graphs, differentiate them, compile them
 * to artifacts. In Node (the `node` condition of the package's `axon` entry) compiled WASM
 * modules are also cached on disk in the user's cache directory ($AXON_CACHE_DIR,
 * $XDG_CACHE_HOME/axon or ~/.cache/axon); browsers get the same API without
 * `cacheDirectory`/`createNodeCompileHost` (compiler/index.ts).
 * @module axon
 */
import { setDefaultCompileHost } from './backends/wasm/compile.ts';
import { createNodeCompileHost } from './backends/wasm/node-host.ts';

export * from './index.ts';
export { cacheDirectory, createNodeCompileHost, type NodeCompileHostOptions } from './backends/wasm/node-host.ts';

setDefaultCompileHost(createNodeCompileHost());
