/**
 * Vite config of the playground. The page imports the compiler and runtime straight from the
 * repository's TypeScript sources. COOP/COEP make the page cross-origin isolated
 * (SharedArrayBuffer, for threaded WASM).
 */
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // relative asset URLs: the static build can be hosted under any path
  base: './',
  server: { host: '127.0.0.1', port: 5173, headers: ISOLATION_HEADERS, fs: { allow: [repoRoot] } },
  preview: { host: '127.0.0.1', headers: ISOLATION_HEADERS },
  // binaryen (inside the AssemblyScript compiler) uses top-level await
  build: { target: 'esnext', outDir: '../../dist/playground', emptyOutDir: true, chunkSizeWarningLimit: 20_000 },
  worker: { format: 'es' },
});
