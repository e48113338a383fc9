// The consumer app's Vite config: nothing Axon-specific but the build target. The AssemblyScript
// compiler (binaryen) that the WASM backend loads uses top-level await, which Vite's default
// browser targets lack.
export default {
  build: { target: 'esnext' },
  optimizeDeps: { esbuildOptions: { target: 'esnext' } },
  logLevel: 'error',
};
