/**
 * Vitest setup: tests import the compiler's browser-safe entry (compiler/index.ts); this gives
 * them Node's disk cache of compiled WASM modules, as the package's `node` condition does for
 * users. vitest.config.ts points the cache at node_modules/.cache/axon (AXON_CACHE_DIR).
 */
import '../compiler/node.ts';
