import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // GPU tests compile shaders on llvmpipe (software Vulkan), which is slow when cold.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
