import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // compiled WASM modules are cached on disk as in Node's package entry, in an ignored folder
    setupFiles: ['test/setup-node-compiler.ts'],
    env: { AXON_CACHE_DIR: fileURLToPath(new URL('node_modules/.cache/axon', import.meta.url)) },
    // GPU tests compile shaders on llvmpipe (software Vulkan), which is slow when cold.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // the JSON report lets CI print a plain "N passed, N failed" line (scripts/test-summary.mjs)
    reporters: ['default', 'json'],
    outputFile: { json: 'node_modules/.cache/axon/vitest-results.json' },
  },
});
